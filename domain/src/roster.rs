//! People, not rows: a survey's roster refers to the household registry's people, so that one
//! person keeps one id in every wave. [`link`] ties each roster line to a registry person —
//! the one it names, else the one it matches — and adds a person for a line that is nobody
//! yet (a newborn, a bride). Someone left off a roster keeps their id, and nobody else's
//! changes: ids are never positions.

use crate::{Issue, Member, Person, RecordId};

/// Links `members` (one survey's roster) to `people` (the household's registry people, in
/// any order), filling each member's [`Member::person`]:
///
/// 1. a member that names a person keeps it, if that person is the household's and no other
///    line of the roster names them too;
/// 2. a member that names nobody takes the unclaimed person of the same sex and birth year —
///    of the same relation if there is one, else active before inactive, then the earliest
///    in the registry's order;
/// 3. a member that matches nobody becomes a new person of `household`, numbered after the
///    registry's last, with an id from `new_id` and no name (a correction can add it).
///
/// Returns the new people to store with the survey, or every issue (at
/// `members[i].person_id`) with nothing changed.
pub fn link(
    members: &mut [Member],
    people: &[Person],
    household: &RecordId,
    mut new_id: impl FnMut() -> RecordId,
) -> Result<Vec<Person>, Vec<Issue>> {
    let mut issues = Vec::new();
    let mut claimed: Vec<Option<usize>> = vec![None; people.len()];
    let mut chosen: Vec<Option<usize>> = vec![None; members.len()];
    for (i, member) in members.iter().enumerate() {
        let Some(id) = &member.person else { continue };
        let path = format!("members[{i}].person_id");
        match people
            .iter()
            .position(|p| &p.id == id && &p.household == household)
        {
            None => issues.push(Issue::error(
                path.clone(),
                "person_household",
                "这位成员不在本户的户籍名单中，请重新从名单选择",
                format!("{path}: not a person of this household"),
            )),
            Some(k) => match claimed[k] {
                Some(first) => issues.push(Issue::error(
                    path.clone(),
                    "person_twice",
                    format!("与第 {} 位成员是同一人", first + 1),
                    format!("{path}: the same person as member {}", first + 1),
                )),
                None => {
                    claimed[k] = Some(i);
                    chosen[i] = Some(k);
                }
            },
        }
    }
    if !issues.is_empty() {
        return Err(issues);
    }
    for (i, member) in members.iter().enumerate() {
        if member.person.is_some() {
            continue;
        }
        let best = people
            .iter()
            .enumerate()
            .filter(|(k, p)| {
                claimed[*k].is_none()
                    && &p.household == household
                    && p.sex == member.sex
                    && p.birth_year == member.birth_year
            })
            .min_by_key(|(_, p)| (p.relation != member.relation, !p.active, p.position))
            .map(|(k, _)| k);
        if let Some(k) = best {
            claimed[k] = Some(i);
            chosen[i] = Some(k);
        }
    }
    let mut next = people
        .iter()
        .filter(|p| &p.household == household)
        .map(|p| p.position)
        .max()
        .unwrap_or(0);
    let mut added = Vec::new();
    for (member, choice) in members.iter_mut().zip(chosen) {
        member.person = Some(match choice {
            Some(k) => people[k].id.clone(),
            None => {
                next += 1;
                let person = Person {
                    id: new_id(),
                    household: household.clone(),
                    position: next,
                    name: String::new(),
                    id_card: None,
                    sex: member.sex,
                    birth_year: member.birth_year,
                    relation: member.relation,
                    ethnicity: member.ethnicity,
                    active: true,
                };
                let id = person.id.clone();
                added.push(person);
                id
            }
        });
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Education, Ethnicity, Health, LabourAbility, Relation, Sex};

    fn rid(n: u128) -> RecordId {
        RecordId::from_u128(n << 64 | 0x4000_8000_0000_0000 | n)
    }

    fn person(n: u128, position: u32, sex: Sex, birth_year: i32, relation: Relation) -> Person {
        Person {
            id: rid(n),
            household: rid(1),
            position,
            name: format!("成员{n}"),
            id_card: None,
            sex,
            birth_year,
            relation,
            ethnicity: Ethnicity::Yi,
            active: true,
        }
    }

    fn member(no: u8, sex: Sex, birth_year: i32, relation: Relation) -> Member {
        Member {
            no,
            sex,
            birth_year,
            relation,
            ethnicity: Ethnicity::Yi,
            education: Education::Primary,
            health: Health::Healthy,
            labour: LabourAbility::Ordinary,
            person: None,
        }
    }

    /// A head, a spouse and twin daughters born in 2012.
    fn registry() -> Vec<Person> {
        vec![
            person(10, 1, Sex::Male, 1975, Relation::Head),
            person(11, 2, Sex::Female, 1978, Relation::Spouse),
            person(12, 3, Sex::Female, 2012, Relation::Child),
            person(13, 4, Sex::Female, 2012, Relation::Child),
        ]
    }

    fn ids(members: &[Member]) -> Vec<RecordId> {
        members.iter().filter_map(|m| m.person.clone()).collect()
    }

    fn counter() -> impl FnMut() -> RecordId {
        let mut n = 100;
        move || {
            n += 1;
            rid(n)
        }
    }

    #[test]
    fn the_same_people_match_whatever_their_order_and_twins_stay_two() {
        let mut roster = vec![
            member(1, Sex::Female, 2012, Relation::Child),
            member(2, Sex::Male, 1975, Relation::Head),
            member(3, Sex::Female, 2012, Relation::Child),
            member(4, Sex::Female, 1978, Relation::Spouse),
        ];
        let added = link(&mut roster, &registry(), &rid(1), counter()).expect("links");
        assert!(added.is_empty());
        assert_eq!(ids(&roster), vec![rid(12), rid(10), rid(13), rid(11)]);
    }

    #[test]
    fn a_newborn_and_a_bride_become_people_and_a_departure_renumbers_nobody() {
        // The spouse has left; a son was born in 2020; the head's new wife joined.
        let mut roster = vec![
            member(1, Sex::Male, 1975, Relation::Head),
            member(2, Sex::Female, 2012, Relation::Child),
            member(3, Sex::Female, 2012, Relation::Child),
            member(4, Sex::Male, 2020, Relation::Child),
            member(5, Sex::Female, 1990, Relation::Spouse),
        ];
        let added = link(&mut roster, &registry(), &rid(1), counter()).expect("links");
        assert_eq!(
            ids(&roster),
            vec![rid(10), rid(12), rid(13), rid(101), rid(102)]
        );
        assert_eq!(added.len(), 2);
        assert_eq!((added[0].position, added[0].birth_year), (5, 2020));
        assert_eq!(
            (added[1].position, added[1].relation),
            (6, Relation::Spouse)
        );
        assert!(added.iter().all(|p| p.name.is_empty() && p.active));
        // Saved again (the same roster, now with the new people in the registry): no one new.
        let mut people = registry();
        people.extend(added);
        let mut again = roster.clone();
        for m in &mut again {
            m.person = None;
        }
        assert!(link(&mut again, &people, &rid(1), counter())
            .expect("links")
            .is_empty());
        assert_eq!(ids(&again), ids(&roster));
    }

    #[test]
    fn a_named_person_is_kept_and_wrong_names_are_refused_whole() {
        let mut roster = vec![
            member(1, Sex::Male, 1975, Relation::Head),
            member(2, Sex::Female, 2012, Relation::Child),
        ];
        // The form said member 2 is the second twin: kept even though the first also matches.
        roster[1].person = Some(rid(13));
        link(&mut roster, &registry(), &rid(1), counter()).expect("links");
        assert_eq!(ids(&roster), vec![rid(10), rid(13)]);

        let mut bad = vec![
            member(1, Sex::Male, 1975, Relation::Head),
            member(2, Sex::Female, 2012, Relation::Child),
            member(3, Sex::Female, 2012, Relation::Child),
        ];
        bad[0].person = Some(rid(99));
        bad[1].person = Some(rid(12));
        bad[2].person = Some(rid(12));
        let issues = link(&mut bad, &registry(), &rid(1), counter()).expect_err("refused");
        let rules: Vec<_> = issues.iter().map(|i| (i.path.as_str(), i.rule)).collect();
        assert_eq!(
            rules,
            [
                ("members[0].person_id", "person_household"),
                ("members[2].person_id", "person_twice")
            ]
        );
        assert!(issues[1].zh.contains("第 2 位"));
        assert_eq!(bad[0].person, Some(rid(99)), "nothing changed");
        assert_eq!(bad[1].person, Some(rid(12)));
    }

    #[test]
    fn another_households_person_is_not_matched() {
        let mut other = registry();
        for p in &mut other {
            p.household = rid(2);
        }
        let mut roster = vec![member(1, Sex::Male, 1975, Relation::Head)];
        let added = link(&mut roster, &other, &rid(1), counter()).expect("links");
        assert_eq!(added.len(), 1);
        assert_eq!(added[0].position, 1);
    }
}
