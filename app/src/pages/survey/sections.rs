//! The survey form's sections, one per part of the data model (members, employment, equity,
//! training, understory, livestock, other income, guarantees).

use super::*;

macro_rules! text_field {
    ($list:ident, $i:expr, $field:ident) => {
        (
            Arc::new(move |f: &SurveyInput| {
                f.$list
                    .get($i)
                    .map(|r| r.$field.clone())
                    .unwrap_or_default()
            }) as FieldGet<String>,
            Arc::new(move |f: &mut SurveyInput, v: String| {
                if let Some(r) = f.$list.get_mut($i) {
                    r.$field = v;
                }
            }) as FieldSet<String>,
        )
    };
}

macro_rules! num_field {
    ($list:ident, $i:expr, $field:ident) => {
        (
            Arc::new(move |f: &SurveyInput| f.$list.get($i).map_or(0.0, |r| r.$field as f64))
                as FieldGet<f64>,
            Arc::new(move |f: &mut SurveyInput, v: f64| {
                if let Some(r) = f.$list.get_mut($i) {
                    r.$field = v as _;
                }
            }) as FieldSet<f64>,
        )
    };
}

/// Removing member `no` (1-based): rows that named it name nobody (and say so); rows that
/// named a later member follow it down.
pub(super) fn renumber(rows: &mut [i64], no: i64) {
    for r in rows {
        if *r == no {
            *r = 0;
        } else if *r > no {
            *r -= 1;
        }
    }
}

/// Whom roster line `i` refers to: a registry person, or someone the save will add.
#[component]
fn Person(i: usize) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let lang = use_lang();
    let text = move || {
        let id = ctx
            .form
            .with(|f| f.members.get(i).map(|m| m.person_id.clone()));
        let id = id.unwrap_or_default();
        let lang = lang.get();
        if id.is_empty() {
            return lang
                .pick(
                    "保存时与户籍名单核对，新成员将加入名单",
                    "checked against the registry when saved; someone new is added to it",
                )
                .to_owned();
        }
        ctx.people.with_value(
            |people| match people.iter().find(|p| p.start.person_id == id) {
                Some(p) => {
                    let name = match p.name.is_empty() {
                        true => lang
                            .pick("（姓名待登记）", "(name not yet registered)")
                            .to_owned(),
                        false => p.name.clone(),
                    };
                    format!(
                        "{}{name} · {}",
                        lang.pick("户籍成员：", "Registry person: "),
                        p.birth_year
                    )
                }
                None => lang.pick("户籍成员", "registry person").to_owned(),
            },
        )
    };
    view! { <p class="small muted" data-testid="member-person">{text}</p> }
}

#[component]
pub(super) fn Members() -> impl IntoView {
    let sex = vocab(domain::Sex::ALL, domain::Sex::code);
    let relation = vocab(domain::Relation::ALL, domain::Relation::code);
    let ethnicity = vocab(domain::Ethnicity::ALL, domain::Ethnicity::code);
    let education = vocab(domain::Education::ALL, domain::Education::code);
    let health = vocab(domain::Health::ALL, domain::Health::code);
    let labour = vocab(domain::LabourAbility::ALL, domain::LabourAbility::code);
    let row = move |i: usize| {
        let p = |f: &str| format!("members[{i}].{f}");
        let (gs, ss) = text_field!(members, i, sex);
        let (gr, sr) = text_field!(members, i, relation);
        let (ge, se) = text_field!(members, i, ethnicity);
        let (gd, sd) = text_field!(members, i, education);
        let (gh, sh) = text_field!(members, i, health);
        let (gl, sl) = text_field!(members, i, labour);
        let (gy, sy) = num_field!(members, i, birth_year);
        view! {
            <fieldset class="row-card" data-row=format!("members[{i}]")>
                <legend>{i + 1}</legend>
                <Person i />
                <Choice path=p("relation") zh="与户主关系" en="Relation to head" options=relation.clone() get=gr set=sr />
                <Choice path=p("sex") zh="性别" en="Sex" options=sex.clone() get=gs set=ss />
                <Num path=p("birth_year") zh="出生年份" en="Birth year" integer=true get=gy set=sy />
                <Choice path=p("ethnicity") zh="民族" en="Ethnicity" options=ethnicity.clone() get=ge set=se />
                <Choice path=p("education") zh="文化程度" en="Education" options=education.clone() get=gd set=sd />
                <Choice path=p("health") zh="健康状况" en="Health" options=health.clone() get=gh set=sh />
                <Choice path=p("labour") zh="劳动能力" en="Labour ability" options=labour.clone() get=gl set=sl />
                {remove_button(move |f| {
                    if i < f.members.len() {
                        f.members.remove(i);
                        let no = i as i64 + 1;
                        let mut refs: Vec<i64> = f.employment.iter().map(|r| r.member_no).chain(f.training.iter().map(|r| r.member_no)).collect();
                        renumber(&mut refs, no);
                        let (employment, training) = refs.split_at(f.employment.len());
                        f.employment.iter_mut().zip(employment).for_each(|(r, n)| r.member_no = *n);
                        f.training.iter_mut().zip(training).for_each(|(r, n)| r.member_no = *n);
                    }
                })}
            </fieldset>
        }
        .into_any()
    };
    view! {
        <Section id="members" zh="一、家庭成员" en="1. Household members" hint_zh="本调查期内同吃同住的成员，户主只有一人。" hint_en="Everyone who lives and eats with the household in this wave; exactly one head.">
            {rows(|f| f.members.len(), row)}
            {add_button("添加成员", "Add member", |f| f.members.push(MemberInput { ethnicity: "yi".into(), ..MemberInput::default() }))}
        </Section>
    }
}

#[component]
pub(super) fn Employment() -> impl IntoView {
    let activity = vocab(domain::Activity::ALL, domain::Activity::code);
    let row = move |i: usize| {
        let p = |f: &str| format!("employment[{i}].{f}");
        let (gm, sm) = num_field!(employment, i, member_no);
        let (ga, sa) = text_field!(employment, i, activity);
        let (gd, sd) = num_field!(employment, i, days);
        let (gw, sw) = num_field!(employment, i, wages);
        view! {
            <fieldset class="row-card" data-row=format!("employment[{i}]")>
                <MemberPick path=p("member_no") get=gm set=sm />
                <Choice path=p("activity") zh="务工类型" en="Activity" options=activity.clone() get=ga set=sa />
                <Num path=p("days") zh="天数" en="Days" unit_zh="天" integer=true get=gd set=sd />
                <Num path=p("wages") zh="工资收入" en="Wages" unit_zh="元" get=gw set=sw />
                {remove_button(move |f| { if i < f.employment.len() { f.employment.remove(i); } })}
            </fieldset>
        }
        .into_any()
    };
    view! {
        <Section id="employment" zh="二、务工" en="2. Employment" hint_zh="造林、管护、护林员等项目务工和其他务工，每人每项一行；一人全年合计不超过366天。" hint_en="Programme work (afforestation, tending, ranger…) and other work, one row per person and activity; at most 366 days a person.">
            {rows(|f| f.employment.len(), row)}
            {add_button("添加务工", "Add employment", |f| f.employment.push(EmploymentInput { member_no: 1, ..EmploymentInput::default() }))}
        </Section>
    }
}

#[component]
pub(super) fn EquitySection() -> impl IntoView {
    let land: (FieldGet<f64>, FieldSet<f64>) = (
        Arc::new(|f| f.equity.land_mu),
        Arc::new(|f, v| f.equity.land_mu = v),
    );
    let shares: (FieldGet<f64>, FieldSet<f64>) = (
        Arc::new(|f| f.equity.shares),
        Arc::new(|f, v| f.equity.shares = v),
    );
    let dividends: (FieldGet<f64>, FieldSet<f64>) = (
        Arc::new(|f| f.equity.dividends),
        Arc::new(|f, v| f.equity.dividends = v),
    );
    view! {
        <Section id="equity" zh="三、集体林地入股" en="3. Forest-land equity" hint_zh="入股合作社或村集体的林地、持有股份和本期分红。" hint_en="Forest land contributed to the cooperative or collective, shares held and dividends this wave.">
            <div class="row-card">
                <Num path="equity.land_mu".into() zh="入股林地面积" en="Land contributed" unit_zh="亩" get=land.0 set=land.1 />
                <Num path="equity.shares".into() zh="持有股份" en="Shares held" unit_zh="股" get=shares.0 set=shares.1 />
                <Num path="equity.dividends".into() zh="分红收入" en="Dividends" unit_zh="元" get=dividends.0 set=dividends.1 />
            </div>
        </Section>
    }
}

#[component]
pub(super) fn Training() -> impl IntoView {
    let topic = vocab(domain::TrainingTopic::ALL, domain::TrainingTopic::code);
    let row = move |i: usize| {
        let p = |f: &str| format!("training[{i}].{f}");
        let (gm, sm) = num_field!(training, i, member_no);
        let (gt, st) = text_field!(training, i, topic);
        let (gd, sd) = num_field!(training, i, days);
        view! {
            <fieldset class="row-card" data-row=format!("training[{i}]")>
                <MemberPick path=p("member_no") get=gm set=sm />
                <Choice path=p("topic") zh="培训内容" en="Topic" options=topic.clone() get=gt set=st />
                <Num path=p("days") zh="天数" en="Days" unit_zh="天" integer=true get=gd set=sd />
                {remove_button(move |f| { if i < f.training.len() { f.training.remove(i); } })}
            </fieldset>
        }
        .into_any()
    };
    view! {
        <Section id="training" zh="四、技能培训" en="4. Training">
            {rows(|f| f.training.len(), row)}
            {add_button("添加培训", "Add training", |f| f.training.push(TrainingInput { member_no: 1, ..TrainingInput::default() }))}
        </Section>
    }
}

#[component]
pub(super) fn Understory() -> impl IntoView {
    let product = vocab(
        domain::UnderstoryProduct::ALL,
        domain::UnderstoryProduct::code,
    );
    let row = move |i: usize| {
        let p = |f: &str| format!("understory[{i}].{f}");
        let (gp, sp) = text_field!(understory, i, product);
        let (ga, sa) = num_field!(understory, i, area_mu);
        let (go, so) = num_field!(understory, i, output_kg);
        let (gs, ss) = num_field!(understory, i, sales);
        let (gc, sc) = num_field!(understory, i, costs);
        view! {
            <fieldset class="row-card" data-row=format!("understory[{i}]")>
                <Choice path=p("product") zh="产品" en="Product" options=product.clone() get=gp set=sp />
                <Num path=p("area_mu") zh="面积" en="Area" unit_zh="亩" get=ga set=sa />
                <Num path=p("output_kg") zh="产量" en="Output" unit_zh="公斤" get=go set=so />
                <Num path=p("sales") zh="销售收入" en="Sales" unit_zh="元" get=gs set=ss />
                <Num path=p("costs") zh="生产成本" en="Costs" unit_zh="元" get=gc set=sc />
                {remove_button(move |f| { if i < f.understory.len() { f.understory.remove(i); } })}
            </fieldset>
        }
        .into_any()
    };
    view! {
        <Section id="understory" zh="五、林下种植" en="5. Understory crops" hint_zh="花椒、核桃、魔芋、中药材等；纯收入 = 销售收入 − 成本。" hint_en="Sichuan pepper, walnut, konjac, herbs…; net = sales − costs.">
            {rows(|f| f.understory.len(), row)}
            {add_button("添加产品", "Add product", |f| f.understory.push(UnderstoryInput::default()))}
        </Section>
    }
}

#[component]
pub(super) fn Livestock() -> impl IntoView {
    let species = vocab(
        domain::LivestockSpecies::ALL,
        domain::LivestockSpecies::code,
    );
    let row = move |i: usize| {
        let p = |f: &str| format!("livestock[{i}].{f}");
        let (gs, ss) = text_field!(livestock, i, species);
        let (g0, s0) = num_field!(livestock, i, head_start);
        let (gb, sb) = num_field!(livestock, i, born);
        let (gd, sd) = num_field!(livestock, i, died);
        let (gl, sl) = num_field!(livestock, i, sold);
        let (ge, se) = num_field!(livestock, i, head_end);
        let (gv, sv) = num_field!(livestock, i, sales);
        let (gc, sc) = num_field!(livestock, i, costs);
        let (gn, sn) = text_field!(livestock, i, correction_note);
        let note_path = p("correction_note");
        let ctx = expect_context::<Ctx>();
        let note = ctx.form.with_untracked(|f| gn(f));
        view! {
            <fieldset class="row-card" data-row=format!("livestock[{i}]")>
                <Choice path=p("species") zh="种类" en="Species" options=species.clone() get=gs set=ss />
                <Num path=p("head_start") zh="期初存栏" en="Head at start" unit_zh="头/只" integer=true get=g0 set=s0 />
                <Num path=p("born") zh="出生" en="Born" integer=true get=gb set=sb />
                <Num path=p("died") zh="死亡" en="Died" integer=true get=gd set=sd />
                <Num path=p("sold") zh="出售" en="Sold" integer=true get=gl set=sl />
                <Num path=p("head_end") zh="期末存栏" en="Head at end" integer=true get=ge set=se />
                <Num path=p("sales") zh="销售收入" en="Sales" unit_zh="元" get=gv set=sv />
                <Num path=p("costs") zh="饲养成本" en="Costs" unit_zh="元" get=gc set=sc />
                <label class="field wide">
                    <span><Tr zh="更正说明（存栏对不上时填写，如购入）" en="Correction note (when the count does not balance, e.g. bought)" /></span>
                    <input type="text" name=note_path value=note disabled=move || !ctx.editable.get()
                        on:input=move |ev| { let v = event_target_value(&ev); ctx.form.update(|f| sn(f, v)); } />
                </label>
                {remove_button(move |f| { if i < f.livestock.len() { f.livestock.remove(i); } })}
            </fieldset>
        }
        .into_any()
    };
    view! {
        <Section id="livestock" zh="六、养殖" en="6. Livestock" hint_zh="期末存栏 = 期初 + 出生 − 死亡 − 出售。" hint_en="Head at end = start + born − died − sold.">
            {rows(|f| f.livestock.len(), row)}
            {add_button("添加畜禽", "Add livestock", |f| f.livestock.push(LivestockInput::default()))}
        </Section>
    }
}

#[component]
pub(super) fn Other() -> impl IntoView {
    let pair = |get: fn(&SurveyInput) -> f64,
                set: fn(&mut SurveyInput, f64)|
     -> (FieldGet<f64>, FieldSet<f64>) { (Arc::new(get), Arc::new(set)) };
    let crop = pair(
        |f| f.other_income.crop_net,
        |f, v| f.other_income.crop_net = v,
    );
    let transfers = pair(
        |f| f.other_income.transfers,
        |f, v| f.other_income.transfers = v,
    );
    let remittances = pair(
        |f| f.other_income.remittances,
        |f, v| f.other_income.remittances = v,
    );
    let other = pair(|f| f.other_income.other, |f, v| f.other_income.other = v);
    view! {
        <Section id="other_income" zh="七、其他收入" en="7. Other income">
            <div class="row-card">
                <Num path="other_income.crop_net".into() zh="种植业纯收入" en="Crop farming, net" unit_zh="元" get=crop.0 set=crop.1 />
                <Num path="other_income.transfers".into() zh="转移性收入（养老金、低保、生态补偿等）" en="Transfers (pension, dibao, eco-compensation…)" unit_zh="元" get=transfers.0 set=transfers.1 />
                <Num path="other_income.remittances".into() zh="外出人员寄回" en="Remittances" unit_zh="元" get=remittances.0 set=remittances.1 />
                <Num path="other_income.other".into() zh="其他收入" en="Other" unit_zh="元" get=other.0 set=other.1 />
            </div>
        </Section>
    }
}

#[component]
pub(super) fn GuaranteesSection() -> impl IntoView {
    let pair = |get: fn(&SurveyInput) -> bool,
                set: fn(&mut SurveyInput, bool)|
     -> (FieldGet<bool>, FieldSet<bool>) { (Arc::new(get), Arc::new(set)) };
    let food = pair(
        |f| f.guarantees.food_clothing_secure,
        |f, v| f.guarantees.food_clothing_secure = v,
    );
    let school = pair(
        |f| f.guarantees.schooling_ok,
        |f, v| f.guarantees.schooling_ok = v,
    );
    let insured = pair(|f| f.guarantees.insured, |f, v| f.guarantees.insured = v);
    let housing = pair(
        |f| f.guarantees.housing_safe,
        |f, v| f.guarantees.housing_safe = v,
    );
    let water = pair(
        |f| f.guarantees.water_safe,
        |f, v| f.guarantees.water_safe = v,
    );
    view! {
        <Section id="guarantees" zh="八、两不愁三保障及饮水安全" en="8. Basic guarantees and safe water" hint_zh="达到的打勾。" hint_en="Tick what is met.">
            <div class="checks">
                <Check path="guarantees.food_clothing_secure".into() zh="不愁吃、不愁穿" en="Food and clothing secure" get=food.0 set=food.1 />
                <Check path="guarantees.schooling_ok".into() zh="义务教育阶段子女无辍学" en="School-age children all in school" get=school.0 set=school.1 />
                <Check path="guarantees.insured".into() zh="参加基本医疗保险" en="All insured" get=insured.0 set=insured.1 />
                <Check path="guarantees.housing_safe".into() zh="住房安全" en="House safe" get=housing.0 set=housing.1 />
                <Check path="guarantees.water_safe".into() zh="饮水安全" en="Safe drinking water" get=water.0 set=water.1 />
            </div>
        </Section>
    }
}
