// Tanhui's service worker. The server writes the first lines (the build's cache name and the
// files to precache) in front of this text at /sw.js, so every build has its own cache and a
// new build is a new service worker.
//
// - Install: the build's content-named assets, the offline page shell and the public files go
//   into one cache named for the build, all or nothing.
// - Activate: every other build's cache is deleted, so a page of build N never runs the wasm
//   of build N-1 (an open page of the old build keeps what it already loaded).
// - Pages: the network first (a page always shows the server's data when there is a server);
//   without an answer, the build's shell, which opens the field pages from the device's data.
// - Assets: from the build's cache, else the network. Nothing else is touched: API requests,
//   server functions and sign-in always go to the server.

const SHELL = "/offline/shell";
// Field pages wait this long for the server on a weak connection before the shell opens.
const FIELD_PATIENCE_MS = 8000;
const FIELD_PAGE = /^\/(field|register|sync|survey\/[^/]+)\/?$/;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys
            .filter((key) => key.startsWith("tanhui-") && key !== CACHE)
            .map((key) => caches.delete(key)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

function shell() {
  return caches.open(CACHE).then((cache) => cache.match(SHELL));
}

function page(request) {
  const field = FIELD_PAGE.test(new URL(request.url).pathname);
  const network = fetch(request);
  if (!field) {
    return network.catch(() => shell());
  }
  return new Promise((resolve) => {
    let settled = false;
    const fallback = () => {
      if (!settled) {
        settled = true;
        shell().then(resolve);
      }
    };
    const timer = setTimeout(fallback, FIELD_PATIENCE_MS);
    network.then(
      (response) => {
        clearTimeout(timer);
        if (!settled) {
          settled = true;
          resolve(response);
        }
      },
      () => {
        clearTimeout(timer);
        fallback();
      },
    );
  });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(page(request));
    return;
  }
  if (url.pathname.startsWith("/pkg/") || PRECACHE.includes(url.pathname)) {
    event.respondWith(
      caches
        .open(CACHE)
        .then((cache) => cache.match(request, { ignoreVary: true }))
        .then((hit) => hit || fetch(request)),
    );
  }
});
