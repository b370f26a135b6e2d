// Tanhui on the device: what an enumerator's browser keeps to work without a network, and
// the outbox that sends what was saved on the device once the server can be reached.
//
// Everything is kept in IndexedDB, one database per account ("tanhui-<username>"): the
// offline package (the household list, survey forms and registration form of one wave) and
// the outbox (saves and registrations not yet accepted by the server). The pages (the wasm)
// call `window.tanhuiOffline`; every change is announced with a "tanhui-offline" event.
//
// The outbox never loses an item: an item leaves it only after the server's 2xx for it; a
// 409, 422 or other refusal marks it for the enumerator to resolve; a 401 (session expired),
// no network or a server error stop the sync and keep everything. Sign-out and upgrades keep
// it too (items carry their format; newer code reads older items).
//
// Syncing runs when a page opens, when the browser comes online, every minute while online
// and on demand.
(function () {
  "use strict";

  const DB_VERSION = 1;
  const OUTBOX_FORMAT = 1;
  const ACCOUNT_KEY = "tanhui.account";
  const REFRESH_AFTER_MS = 15 * 60 * 1000;
  const EVERY_MS = 60 * 1000;

  let running = null;
  const last = { state: "idle", at: null, sent: 0, message: "" };

  function account() {
    try {
      return localStorage.getItem(ACCOUNT_KEY);
    } catch (_) {
      return null;
    }
  }

  function request(req) {
    return new Promise((resolve, reject) => {
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  function done(tx) {
    return new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onabort = tx.onerror = () => reject(tx.error);
    });
  }

  const opened = new Map();
  function open(name) {
    if (!name) return Promise.reject(new Error("no account on this device: sign in first"));
    if (!opened.has(name)) {
      const req = indexedDB.open("tanhui-" + name, DB_VERSION);
      req.onupgradeneeded = () => {
        const db = req.result;
        if (!db.objectStoreNames.contains("package")) db.createObjectStore("package");
        if (!db.objectStoreNames.contains("outbox")) {
          const outbox = db.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
          outbox.createIndex("id", "request_id", { unique: true });
        }
      };
      opened.set(name, request(req));
    }
    return opened.get(name);
  }

  function clientId(item) {
    const r = item.request;
    return r.kind === "survey" ? r.client_id : r.id;
  }

  // An item as the device keeps it: the wire format plus its key fields, migrated from
  // older formats (none yet: format 1 is the first).
  function migrate(item) {
    if (!item.format) item.format = 1;
    item.request_id = clientId(item);
    return item;
  }

  async function allItems(name) {
    const db = await open(name || account());
    const tx = db.transaction("outbox", "readonly");
    const items = await request(tx.objectStore("outbox").getAll());
    return items.map(migrate).sort((a, b) => a.seq - b.seq);
  }

  async function putItem(name, item) {
    const db = await open(name);
    const tx = db.transaction("outbox", "readwrite");
    tx.objectStore("outbox").put(migrate(item));
    await done(tx);
  }

  async function deleteItem(name, seq) {
    const db = await open(name);
    const tx = db.transaction("outbox", "readwrite");
    tx.objectStore("outbox").delete(seq);
    await done(tx);
  }

  async function readPackage(name) {
    const db = await open(name || account());
    const tx = db.transaction("package", "readonly");
    return (await request(tx.objectStore("package").get("current"))) || null;
  }

  async function announce() {
    let count = 0;
    try {
      if (account()) count = (await allItems()).length;
    } catch (_) {
      count = 0;
    }
    window.dispatchEvent(
      new CustomEvent("tanhui-offline", { detail: { count, state: last.state } }),
    );
    return count;
  }

  function sameSurvey(a, b) {
    return (
      a.request.kind === "survey" &&
      b.request.kind === "survey" &&
      a.request.household === b.request.household &&
      a.request.wave === b.request.wave
    );
  }

  // Adds a save or registration to the outbox. A save of a survey whose earlier save is still
  // waiting and was never sent replaces it (only the latest answers matter); one whose earlier
  // save may have reached the server waits for it and starts from the version it produces.
  async function enqueue(text) {
    const name = account();
    const item = JSON.parse(text);
    item.format = OUTBOX_FORMAT;
    item.account = name;
    item.created_at = Date.now();
    item.state = "waiting";
    item.attempts = 0;
    item.problem = null;
    item.after = item.after || null;
    const items = await allItems(name);
    if (item.request.kind === "survey") {
      const earlier = items.filter((other) => sameSurvey(other, item));
      // Never sent, or refused by the server (422 and the like write nothing): the new save
      // takes its place. A conflict stays until the enumerator resolves it.
      const unsent = earlier.find(
        (other) =>
          (other.attempts === 0 && other.state === "waiting") ||
          other.state === "invalid" ||
          other.state === "refused",
      );
      if (unsent) {
        item.seq = unsent.seq;
        item.after = unsent.after;
        item.request.base_version = unsent.request.base_version;
      } else if (earlier.length > 0) {
        item.after = clientId(earlier[earlier.length - 1]);
      }
      const registration = items.find(
        (other) => other.request.kind === "household" && other.request.id === item.request.household,
      );
      if (registration && !item.after) item.after = registration.request.id;
    }
    if (item.request.kind === "household") {
      // The same registration saved again (fixed after the server refused it): it takes the
      // earlier one's place, under the same household id.
      const same = items.find((other) => other.request.kind === "household" && other.request.id === item.request.id);
      if (same) item.seq = same.seq;
    }
    if (item.seq === undefined) delete item.seq;
    await putItem(name, item);
    await announce();
    // A request that failed on a live page may go through a moment later.
    if (navigator.onLine) setTimeout(() => sync(), 1000);
    return clientId(item);
  }

  function target(item) {
    const r = item.request;
    if (r.kind === "survey") {
      return {
        method: "PUT",
        url: `/api/v1/households/${encodeURIComponent(r.household)}/surveys/${r.wave}`,
        body: {
          client_id: r.client_id,
          base_version: r.base_version,
          submit: r.submit,
          confirm_warnings: r.confirm_warnings,
          answers: r.answers,
        },
      };
    }
    return { method: "POST", url: "/api/v1/households", body: Object.assign({ id: r.id }, r.input) };
  }

  async function problem(response) {
    let body = {};
    try {
      body = await response.json();
    } catch (_) {
      body = {};
    }
    return {
      status: response.status,
      zh: body.message || "",
      en: body.message_en || "",
      issues: Array.isArray(body.issues) ? body.issues : [],
    };
  }

  function finish(state, message) {
    last.state = state;
    last.at = Date.now();
    last.message = message || "";
  }

  async function syncOnce() {
    const name = account();
    if (!name) return finish("idle");
    let items = await allItems(name);
    if (items.length === 0) return finish("ok");
    if (!navigator.onLine) return finish("offline");
    // Only the account that made the items may send them.
    let me;
    try {
      me = await fetch("/api/v1/me", { credentials: "same-origin", headers: { accept: "application/json" } });
    } catch (_) {
      return finish("offline");
    }
    if (me.status === 401) return finish("signin");
    if (!me.ok) return finish("error", `HTTP ${me.status}`);
    const who = await me.json();
    if (who.username !== name) return finish("other_account", who.username);
    last.sent = 0;
    for (const item of items) {
      if (item.state !== "waiting") continue;
      if (item.after && items.some((other) => clientId(other) === item.after)) continue;
      const { method, url, body } = target(item);
      item.attempts += 1;
      await putItem(name, item);
      let response;
      try {
        response = await fetch(url, {
          method,
          credentials: "same-origin",
          headers: { "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify(body),
        });
      } catch (_) {
        return finish("offline");
      }
      if (response.ok) {
        const answer = await response.json().catch(() => ({}));
        await deleteItem(name, item.seq);
        last.sent += 1;
        const id = clientId(item);
        items = items.filter((other) => other.seq !== item.seq);
        for (const next of items) {
          if (next.after === id && next.request.kind === "survey" && typeof answer.version === "number") {
            next.request.base_version = answer.version;
            await putItem(name, next);
          }
        }
        await announce();
        continue;
      }
      if (response.status === 401) return finish("signin");
      if (response.status >= 500 || response.status === 429) {
        return finish("error", `HTTP ${response.status}`);
      }
      item.problem = await problem(response);
      item.state =
        response.status === 409 ? "conflict" : response.status === 422 ? "invalid" : "refused";
      await putItem(name, item);
      await announce();
    }
    finish("ok");
    if (last.sent > 0) await refresh(true);
  }

  // Sends what waits; one sync at a time (a second call joins the running one).
  function sync() {
    if (!running) {
      running = syncOnce()
        .catch((err) => finish("error", String(err && err.message ? err.message : err)))
        .then(() => announce())
        .finally(() => {
          running = null;
        });
    }
    return running.then(() => JSON.stringify(last));
  }

  // Downloads the account's offline package for the wave (the latest when empty).
  async function prepare(wave) {
    const query = wave ? `?wave=${encodeURIComponent(wave)}` : "";
    const response = await fetch(`/api/v1/field/offline${query}`, {
      credentials: "same-origin",
      headers: { accept: "application/json" },
    });
    if (response.status === 401) throw new Error("signin");
    if (!response.ok) {
      const p = await problem(response);
      throw new Error(p.zh || `HTTP ${response.status}`);
    }
    const text = await response.text();
    const pkg = JSON.parse(text);
    if (!account()) setAccount(pkg.account);
    if (pkg.account !== account()) throw new Error("other_account");
    const db = await open(pkg.account);
    const tx = db.transaction("package", "readwrite");
    tx.objectStore("package").put(
      { text, bytes: new Blob([text]).size, refreshed_at: Date.now(), wave: pkg.home.wave },
      "current",
    );
    await done(tx);
    if (navigator.storage && navigator.storage.persist) {
      await navigator.storage.persist().catch(() => false);
    }
    await announce();
    return summary();
  }

  // Refreshes the package when online (after a sync, or when it is older than a while).
  async function refresh(force) {
    if (!account() || !navigator.onLine) return;
    const kept = await readPackage().catch(() => null);
    if (!kept) return;
    if (!force && Date.now() - kept.refreshed_at < REFRESH_AFTER_MS) return;
    await prepare(kept.wave).catch(() => null);
  }

  async function summary() {
    const name = account();
    const out = { account: name, package: null, items: [], persisted: false, sync: last };
    if (navigator.storage && navigator.storage.persisted) {
      out.persisted = await navigator.storage.persisted().catch(() => false);
    }
    if (!name) return JSON.stringify(out);
    const kept = await readPackage(name);
    if (kept) {
      const pkg = JSON.parse(kept.text);
      out.package = {
        wave: pkg.home.wave,
        prepared_at: pkg.prepared_at,
        refreshed_at: kept.refreshed_at,
        bytes: kept.bytes,
        villages: pkg.home.villages.length,
        households: pkg.forms.length,
      };
    }
    out.items = await allItems(name);
    return JSON.stringify(out);
  }

  // A save of this survey went through online: the survey's items that it replaces leave.
  async function supersede(household, wave, answersText) {
    const name = account();
    if (!name) return 0;
    const same = JSON.stringify(JSON.parse(answersText));
    let removed = 0;
    for (const item of await allItems(name)) {
      const r = item.request;
      if (r.kind !== "survey" || r.household !== household || r.wave !== Number(wave)) continue;
      // Refused items wrote nothing and the new save replaces them; a waiting one leaves only
      // when it carries what was just saved (otherwise it meets the new version as a conflict).
      const replaced = item.state === "invalid" || item.state === "refused";
      const carried = item.state === "waiting" && JSON.stringify(r.answers) === same;
      if (!replaced && !carried) continue;
      await deleteItem(name, item.seq);
      removed += 1;
    }
    await announce();
    return removed;
  }

  // A household's registration went through online: its outbox item leaves.
  async function registered(id) {
    const name = account();
    if (!name) return 0;
    let removed = 0;
    for (const item of await allItems(name)) {
      if (item.request.kind === "household" && item.request.id === id) {
        await deleteItem(name, item.seq);
        removed += 1;
      }
    }
    await announce();
    return removed;
  }

  async function packageText() {
    const kept = await readPackage();
    return kept ? kept.text : null;
  }

  async function itemsText() {
    return JSON.stringify(account() ? await allItems() : []);
  }

  // Resolves a conflict or a refusal: "keep" sends the device's answers again from the
  // server's current version (a new save id), "drop" takes the server's copy and removes the
  // item.
  async function resolve(id, how, version) {
    const name = account();
    const items = await allItems(name);
    const item = items.find((other) => clientId(other) === id);
    if (!item) return false;
    if (how === "drop") {
      await deleteItem(name, item.seq);
    } else {
      if (item.request.kind === "survey") {
        item.request.base_version = version;
        item.request.client_id = uuid();
      }
      item.state = "waiting";
      item.problem = null;
      item.attempts = 0;
      await putItem(name, item);
    }
    await announce();
    return true;
  }

  // A random UUID (version 4); crypto.randomUUID needs HTTPS, getRandomValues does not.
  function uuid() {
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function setAccount(name) {
    try {
      if (name) localStorage.setItem(ACCOUNT_KEY, name);
      else localStorage.removeItem(ACCOUNT_KEY);
    } catch (_) {
      /* private mode: the device keeps nothing between pages */
    }
  }

  // The page knows who is signed in: the device's data are that account's.
  async function signedIn(name) {
    const changed = account() !== name;
    setAccount(name);
    await announce();
    if (changed) sync();
    refresh(false);
  }

  // Sign-out: the account's data stay on the device (its outbox is never dropped), but no
  // page shows them until that account signs in again.
  async function signedOut() {
    setAccount(null);
    await announce();
  }

  function stamp(date) {
    const p = (n) => String(n).padStart(2, "0");
    return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}`;
  }

  // The outbox as a file, for a supervisor to upload when this device cannot reach the server.
  async function exportFile() {
    const name = account();
    const items = await allItems(name);
    const file = {
      kind: "tanhui-outbox",
      format: OUTBOX_FORMAT,
      account: name,
      exported_at: new Date().toISOString(),
      items: items.map((item) => {
        const copy = Object.assign({}, item);
        delete copy.request_id;
        return copy;
      }),
    };
    const text = JSON.stringify(file, null, 1);
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    link.download = `tanhui-outbox-${name}-${stamp(new Date())}.json`;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    return items.length;
  }

  window.tanhuiOffline = {
    account: () => account(),
    summary,
    package: packageText,
    items: itemsText,
    enqueue,
    sync,
    prepare,
    resolve,
    supersede,
    registered,
    signedIn,
    signedOut,
    exportFile,
    count: announce,
  };

  function start() {
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {
        // Switched off on this server: forget any worker an earlier build installed.
        navigator.serviceWorker
          .getRegistrations()
          .then((all) => all.forEach((r) => r.unregister()))
          .catch(() => null);
      });
    }
    window.addEventListener("online", () => sync());
    setInterval(() => {
      if (navigator.onLine) sync();
    }, EVERY_MS);
    announce();
    sync();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
