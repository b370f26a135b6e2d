//! Counters the server keeps while it runs (requests by route, latency histograms, sign-in
//! failures and throttles, backups), and the Prometheus text exposition format (version
//! 0.0.4) they and the scrape-time gauges are written in.
//!
//! Routes are the router's path templates (`/api/v1/households/{id}`), never concrete paths,
//! so the number of series stays bounded whatever clients ask for.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Upper bounds of the latency histogram's buckets, in seconds.
pub const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Debug, Default, Clone)]
struct Histogram {
    /// Observations at or below each bound of [`BUCKETS`] (not cumulative here).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        if let Some(i) = BUCKETS.iter().position(|bound| seconds <= *bound) {
            self.buckets[i] += 1;
        }
        self.count += 1;
        self.sum += seconds;
    }
}

type RouteKey = (String, String);

#[derive(Debug, Default)]
struct Requests {
    /// (method, route) → status → count.
    counts: BTreeMap<RouteKey, BTreeMap<u16, u64>>,
    latency: BTreeMap<RouteKey, Histogram>,
}

/// What the server counts as it runs; one per process, shared by every request.
#[derive(Debug)]
pub struct Metrics {
    started: Instant,
    requests: Mutex<Requests>,
    pub sign_ins: AtomicU64,
    pub sign_in_failures: AtomicU64,
    pub sign_in_throttled: AtomicU64,
    pub backups: AtomicU64,
    pub backup_failures: AtomicU64,
    /// Unix ms of the newest backup written and checked, 0 before the first.
    pub backup_last_ms: AtomicI64,
    pub backup_last_seconds_ms: AtomicU64,
    /// Unix ms when the next scheduled backup is due, 0 when none is scheduled.
    pub backup_next_ms: AtomicI64,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics {
            started: Instant::now(),
            requests: Mutex::default(),
            sign_ins: AtomicU64::new(0),
            sign_in_failures: AtomicU64::new(0),
            sign_in_throttled: AtomicU64::new(0),
            backups: AtomicU64::new(0),
            backup_failures: AtomicU64::new(0),
            backup_last_ms: AtomicI64::new(0),
            backup_last_seconds_ms: AtomicU64::new(0),
            backup_next_ms: AtomicI64::new(0),
        }
    }
}

impl Metrics {
    /// Counts one answered request.
    pub fn request(&self, method: &str, route: &str, status: u16, took: Duration) {
        let key = (method.to_owned(), route.to_owned());
        // A poisoned lock only means another request panicked while counting: keep counting.
        let mut requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        *requests
            .counts
            .entry(key.clone())
            .or_default()
            .entry(status)
            .or_default() += 1;
        requests
            .latency
            .entry(key)
            .or_default()
            .observe(took.as_secs_f64());
    }

    /// Counts one backup, written and read back.
    pub fn backup_written(&self, at_ms: i64, took: Duration) {
        self.backups.fetch_add(1, Ordering::Relaxed);
        self.backup_last_ms.store(at_ms, Ordering::Relaxed);
        self.backup_last_seconds_ms
            .store(took.as_millis() as u64, Ordering::Relaxed);
    }

    /// Counts one backup that failed.
    pub fn backup_failed(&self) {
        self.backup_failures.fetch_add(1, Ordering::Relaxed);
    }

    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    /// Requests answered so far, by status class (`2xx` …), for the status page.
    pub fn requests_by_class(&self) -> BTreeMap<String, u64> {
        let requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = BTreeMap::new();
        for statuses in requests.counts.values() {
            for (status, n) in statuses {
                *out.entry(format!("{}xx", status / 100)).or_default() += n;
            }
        }
        out
    }

    /// Writes the request counters and histograms.
    pub fn write_requests(&self, out: &mut Exposition) {
        let requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        out.family(
            "tanhui_http_requests_total",
            "counter",
            "HTTP requests answered, by method, route template and status.",
        );
        for ((method, route), statuses) in &requests.counts {
            for (status, n) in statuses {
                out.sample(
                    "tanhui_http_requests_total",
                    &[
                        ("method", method),
                        ("route", route),
                        ("status", &status.to_string()),
                    ],
                    *n as f64,
                );
            }
        }
        out.family(
            "tanhui_http_request_duration_seconds",
            "histogram",
            "Time from receiving a request to its response headers, by method and route template.",
        );
        for ((method, route), histogram) in &requests.latency {
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(histogram.buckets) {
                cumulative += n;
                out.sample(
                    "tanhui_http_request_duration_seconds_bucket",
                    &[
                        ("method", method),
                        ("route", route),
                        ("le", &bound.to_string()),
                    ],
                    cumulative as f64,
                );
            }
            out.sample(
                "tanhui_http_request_duration_seconds_bucket",
                &[("method", method), ("route", route), ("le", "+Inf")],
                histogram.count as f64,
            );
            out.sample(
                "tanhui_http_request_duration_seconds_sum",
                &[("method", method), ("route", route)],
                histogram.sum,
            );
            out.sample(
                "tanhui_http_request_duration_seconds_count",
                &[("method", method), ("route", route)],
                histogram.count as f64,
            );
        }
    }
}

/// A Prometheus text-format document being written.
#[derive(Debug, Default)]
pub struct Exposition {
    text: String,
}

impl Exposition {
    /// Starts a metric family: its `# HELP` and `# TYPE` lines.
    pub fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.text, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.text, "# TYPE {name} {kind}");
    }

    /// One sample line.
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.text.push_str(name);
        if !labels.is_empty() {
            self.text.push('{');
            for (i, (key, value)) in labels.iter().enumerate() {
                if i > 0 {
                    self.text.push(',');
                }
                let _ = write!(self.text, "{key}=\"{}\"", escape_label(value));
            }
            self.text.push('}');
        }
        let _ = writeln!(self.text, " {}", number(value));
    }

    /// A family of one unlabelled sample.
    pub fn single(&mut self, name: &str, kind: &str, help: &str, value: f64) {
        self.family(name, kind, help);
        self.sample(name, &[], value);
    }

    pub fn finish(self) -> String {
        self.text
    }
}

fn number(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else {
        value.to_string()
    }
}

fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn escape_help(value: &str) -> String {
    value.replace('\\', "\\\\").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_end_in_inf() {
        let metrics = Metrics::default();
        for ms in [3, 40, 40, 2000, 20_000] {
            metrics.request("GET", "/x", 200, Duration::from_millis(ms));
        }
        metrics.request("GET", "/x", 404, Duration::from_millis(1));
        let mut out = Exposition::default();
        metrics.write_requests(&mut out);
        let text = out.finish();
        assert!(
            text.contains(
                "tanhui_http_requests_total{method=\"GET\",route=\"/x\",status=\"200\"} 5\n"
            ),
            "{text}"
        );
        assert!(text.contains(
            "tanhui_http_requests_total{method=\"GET\",route=\"/x\",status=\"404\"} 1\n"
        ));
        assert!(text.contains("le=\"0.005\"} 2\n"), "{text}");
        assert!(text.contains("le=\"0.05\"} 4\n"), "{text}");
        assert!(text.contains("le=\"2.5\"} 5\n"), "{text}");
        assert!(text.contains("le=\"10\"} 5\n"), "{text}");
        assert!(text.contains("le=\"+Inf\"} 6\n"), "{text}");
        assert!(text.contains(
            "tanhui_http_request_duration_seconds_count{method=\"GET\",route=\"/x\"} 6\n"
        ));
        assert_eq!(
            metrics.requests_by_class(),
            BTreeMap::from([("2xx".to_owned(), 5), ("4xx".to_owned(), 1)])
        );
    }

    #[test]
    fn label_values_are_escaped() {
        let mut out = Exposition::default();
        out.sample("m", &[("route", "a\"b\\c\nd")], 1.5);
        assert_eq!(out.finish(), "m{route=\"a\\\"b\\\\c\\nd\"} 1.5\n");
    }
}
