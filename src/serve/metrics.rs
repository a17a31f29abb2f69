//! `/metrics`: the Prometheus text format (0.0.4), encoded by the prometheus-client crate.
//! docs/METRICS.md lists every metric.
//!
//! Nothing is counted here. Every figure is read at scrape time from what was measured
//! where it happened: the engine ([`SessionStats`]) and the driver ([`LinkStats`]) publish
//! each session's figures into its [`Live`] after every event; the pool and the API keep
//! [`Counters`](super::pool::Counters); the audit writer counts what it wrote. Labels are
//! bounded: profile, endpoint, state, AID key and status class — never a session name or
//! screen text.
//!
//! A session's `Live` holds the figures of its current (or last) connection only, and a
//! closed session leaves the pool. So that counters never go down, the pool keeps a
//! [`Tally`]: the figures of every connection that was replaced by a newer one in its
//! session, and of every closed session, summed by label. A scrape adds the open sessions'
//! `Live` figures to it, under the tally's lock, so that no connection is counted twice or
//! missed while it moves from one to the other.
//!
//! [`LinkStats`]: crate::driver::LinkStats

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::{Registry, Unit};

use super::http::Api;
use super::pool::{Pool, SessionState};
use crate::proto::stats::{AidCounts, RESPONSE_BUCKETS_MS, ResponseTimes, SessionStats};
use crate::runtime::client::Live;

pub fn routes() -> Router<Api> {
    Router::new().route("/metrics", get(scrape))
}

/// The status classes `r3270_api_requests_total` counts (index = first digit - 1).
const STATUS_CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// Middleware: count every response of the API by status class (refusals included).
pub async fn count_responses(State(api): State<Api>, req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let class = usize::from(response.status().as_u16() / 100)
        .saturating_sub(1)
        .min(STATUS_CLASSES.len() - 1);
    api.pool.counters.api_responses[class].fetch_add(1, Ordering::Relaxed);
    response
}

async fn scrape(State(api): State<Api>) -> Response {
    let mut registry = Registry::with_prefix("r3270");
    registry.register(
        "build",
        "The r3270 build serving these figures",
        Info::new(vec![("version", env!("CARGO_PKG_VERSION"))]),
    );
    registry.register_collector(Box::new(Scrape::take(&api.pool)));
    let mut body = String::new();
    if let Err(e) = prometheus_client::encoding::prometheus_text::encode(&mut body, &registry) {
        tracing::error!(error = %e, "cannot encode the metrics");
        return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
    }
    let mut r = body.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(prometheus_client::encoding::prometheus_text::CONTENT_TYPE),
    );
    r
}

// ----- what is kept across connections -------------------------------------------------

/// Response times summed over connections: a count per engine bucket, the count, the sum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Histogram {
    /// Not cumulative; the last is above the last bound.
    buckets: [u64; RESPONSE_BUCKETS_MS.len() + 1],
    count: u64,
    sum: Duration,
}

impl Histogram {
    fn add(&mut self, r: &ResponseTimes) {
        for (slot, (_, n)) in self.buckets.iter_mut().zip(r.buckets()) {
            *slot += n;
        }
        self.count += r.count();
        self.sum = self.sum.saturating_add(r.total());
    }

    /// `(upper bound in seconds, count)` for each bounded bucket, not cumulative (the
    /// encoder sums them and adds `+Inf` with the count).
    fn bounded(&self) -> Vec<(f64, u64)> {
        RESPONSE_BUCKETS_MS
            .iter()
            .zip(self.buckets)
            .map(|(&ms, n)| (Duration::from_millis(ms).as_secs_f64(), n))
            .collect()
    }
}

/// One profile's traffic, summed over connections.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Traffic {
    bytes_in: u64,
    bytes_out: u64,
    records_in: u64,
    records_out: u64,
    aids: AidCounts,
    response: Histogram,
    keyboard_locked: Duration,
}

impl Traffic {
    fn add(&mut self, s: &SessionStats) {
        self.bytes_in += s.bytes_in;
        self.bytes_out += s.bytes_out;
        self.records_in += s.records_in;
        self.records_out += s.records_out;
        add_aids(&mut self.aids, &s.aids);
        self.response.add(&s.response);
        self.keyboard_locked = self.keyboard_locked.saturating_add(s.keyboard_locked);
    }
}

fn add_aids(to: &mut AidCounts, from: &AidCounts) {
    to.enter += from.enter;
    to.clear += from.clear;
    for (t, f) in to.pf.iter_mut().zip(from.pf) {
        *t += f;
    }
    for (t, f) in to.pa.iter_mut().zip(from.pa) {
        *t += f;
    }
    to.other += from.other;
}

/// One profile's connections to one endpoint.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Link {
    connects: u64,
    reconnects: u64,
    attempts: u64,
    failures: u64,
}

/// Summable figures by label: traffic by profile, links by (profile, endpoint).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Figures {
    traffic: BTreeMap<String, Traffic>,
    links: BTreeMap<(String, String), Link>,
}

impl Figures {
    /// Add one connection's figures (a session's `Live`).
    fn add_live(&mut self, profile: &str, live: &Live) {
        self.traffic
            .entry(profile.to_owned())
            .or_default()
            .add(&live.stats.session);
        let link = &live.stats.link;
        if let Some(endpoint) = &link.endpoint {
            let l = self.link(profile, endpoint);
            l.connects += u64::from(link.connections);
            l.reconnects += u64::from(link.reconnects);
        }
        for e in &link.endpoints {
            let l = self.link(profile, &e.endpoint);
            l.attempts += u64::from(e.attempts);
            l.failures += u64::from(e.failures);
        }
    }

    fn link(&mut self, profile: &str, endpoint: &str) -> &mut Link {
        self.links
            .entry((profile.to_owned(), endpoint.to_owned()))
            .or_default()
    }
}

/// What the pool keeps for `/metrics` beyond its open sessions: the figures of connections
/// that are over (replaced in their session, or their session closed), and the sessions
/// being closed (still read from their `Live` until their task has ended).
#[derive(Debug, Default)]
pub struct Tally {
    retired: Figures,
    closing: Vec<(String, Arc<Mutex<Live>>)>,
}

fn read(live: &Mutex<Live>) -> std::sync::MutexGuard<'_, Live> {
    live.lock().unwrap_or_else(PoisonError::into_inner)
}

fn lock(tally: &Mutex<Tally>) -> std::sync::MutexGuard<'_, Tally> {
    tally.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Tally {
    /// The hook a session of `profile` calls at each connect (see
    /// `script_mode::State::set_on_connect`): before a new connection publishes into
    /// `live`, the old one's figures move into the tally (a later connection of a session
    /// is a reconnect); an endpoint that could not be opened is an attempt that failed.
    pub(crate) fn on_connect(
        tally: Arc<Mutex<Tally>>,
        profile: String,
        live: Arc<Mutex<Live>>,
    ) -> crate::script_mode::OnConnect {
        Box::new(move |endpoint: &str, opened: bool| {
            let mut t = lock(&tally);
            if opened {
                let mut slot = read(&live);
                let again = slot.stats.link.connections > 0;
                t.retired.add_live(&profile, &slot);
                *slot = Live::none();
                drop(slot);
                if again {
                    t.retired.link(&profile, endpoint).reconnects += 1;
                }
            } else {
                let l = t.retired.link(&profile, endpoint);
                l.attempts += 1;
                l.failures += 1;
            }
        })
    }

    /// A session of `profile` left the pool's list (call with the pool's list locked, under
    /// this tally's lock): it is read from `live` until [`Tally::closed`].
    pub(crate) fn closing(&mut self, profile: &str, live: &Arc<Mutex<Live>>) {
        self.retired.traffic.entry(profile.to_owned()).or_default();
        self.closing.push((profile.to_owned(), live.clone()));
    }

    /// The session's task has ended: its last figures are kept.
    pub(crate) fn closed(&mut self, live: &Arc<Mutex<Live>>) {
        if let Some(i) = self.closing.iter().position(|(_, l)| Arc::ptr_eq(l, live)) {
            let (profile, live) = self.closing.swap_remove(i);
            self.retired.add_live(&profile, &read(&live));
        }
    }
}

// ----- one scrape -----------------------------------------------------------------------

/// Everything one scrape reports, taken at once.
#[derive(Debug, Default)]
struct Scrape {
    figures: Figures,
    /// Open sessions by profile, a count per [`SessionState::ALL`].
    sessions: BTreeMap<String, [u64; SessionState::ALL.len()]>,
    /// The earliest `notAfter` of the certificates seen on each endpoint (unix time).
    certs: BTreeMap<String, i64>,
    /// Endpoints the health probes have judged: up (1) or down (0), and the last probe's
    /// latency in seconds when it answered.
    health: BTreeMap<String, (i64, Option<f64>)>,
    script_lines: u64,
    script_errors: u64,
    macro_runs: u64,
    macro_failures: u64,
    webhook_delivered: u64,
    webhook_failed: u64,
    audit_api_records: u64,
    audit_records: u64,
    audit_failures: u64,
    api_responses: [u64; STATUS_CLASSES.len()],
}

impl Scrape {
    fn take(pool: &Pool) -> Scrape {
        let mut s = Scrape::default();
        {
            let tally = lock(&pool.tally);
            s.figures = tally.retired.clone();
            for session in pool.sessions() {
                let live = session.live();
                s.add(&session.profile, &live);
                let state = session.meta().state;
                let counts = s.sessions.entry(session.profile.clone()).or_default();
                if let Some(i) = SessionState::ALL.iter().position(|&x| x == state) {
                    counts[i] += 1;
                }
            }
            for (profile, live) in &tally.closing {
                let live = read(live).clone();
                s.add(profile, &live);
            }
        }
        for profile in s.figures.traffic.keys() {
            s.sessions.entry(profile.clone()).or_default();
        }
        s.counters(pool);
        for e in pool.endpoint_report() {
            let up = match e.health {
                "up" => 1,
                "down" => 0,
                _ => continue,
            };
            s.health
                .insert(e.endpoint.clone(), (up, e.latency_ms.map(|ms| ms / 1000.0)));
        }
        s
    }

    fn add(&mut self, profile: &str, live: &Live) {
        self.figures.add_live(profile, live);
        let link = &live.stats.link;
        if let (Some(endpoint), Some(cert)) = (&link.endpoint, &link.cert) {
            if let Some(t) = unix_time(&cert.not_after) {
                let e = self.certs.entry(endpoint.clone()).or_insert(t);
                *e = (*e).min(t);
            }
        }
    }

    fn counters(&mut self, pool: &Pool) {
        let c = &pool.counters;
        let get = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
        self.script_lines = get(&c.script_lines);
        self.script_errors = get(&c.script_errors);
        self.macro_runs = get(&c.macro_runs);
        self.macro_failures = get(&c.macro_failures);
        self.webhook_delivered = get(&c.webhook_delivered);
        self.webhook_failed = get(&c.webhook_failed);
        self.audit_api_records = get(&c.audit_api_records);
        // The writer counts every append (the sessions' and the API's); the API's own
        // count of its failures is a part of that, kept too when there is no writer.
        let (written, failed) = pool
            .audit_writer()
            .map_or((0, 0), |w| (w.records_written(), w.write_failures()));
        self.audit_records = written;
        self.audit_failures = failed.max(get(&c.audit_write_failures));
        for (n, a) in self.api_responses.iter_mut().zip(&c.api_responses) {
            *n = get(a);
        }
    }
}

/// A certificate's `notAfter` as [`PeerCert`](crate::runtime::cert_info::PeerCert) keeps
/// it (`YYYY-MM-DD HH:MM:SS UTC`), as seconds since 1970.
fn unix_time(text: &str) -> Option<i64> {
    let (date, clock) = text.strip_suffix(" UTC")?.split_once(' ')?;
    let mut ymd = date.splitn(3, '-');
    let year: i64 = ymd.next()?.parse().ok()?;
    let month: u32 = ymd.next()?.parse().ok()?;
    let day: u32 = ymd.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let hms: Vec<i64> = clock
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, s] = hms[..] else { return None };
    let secs = h * 3600 + m * 60 + s;
    let days = crate::audit::time::days_from_civil(year, month, day);
    Some(days * 86_400 + secs)
}

type Labels = Vec<(&'static str, String)>;

/// One metric family for [`Scrape::encode`]: its samples, by label set.
enum Samples {
    Counter(Vec<(Labels, u64)>),
    Seconds(Vec<(Labels, f64)>),
    Gauge(Vec<(Labels, i64)>),
}

fn family(
    enc: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    unit: Option<&Unit>,
    samples: &Samples,
) -> fmt::Result {
    let (kind, empty) = match samples {
        Samples::Counter(v) => (MetricType::Counter, v.is_empty()),
        Samples::Seconds(v) => (MetricType::Counter, v.is_empty()),
        Samples::Gauge(v) => (MetricType::Gauge, v.is_empty()),
    };
    if empty {
        return Ok(());
    }
    let mut m = enc.encode_descriptor(name, help, unit, kind)?;
    match samples {
        Samples::Counter(v) => {
            for (labels, n) in v {
                let mut f = m.encode_family(labels)?;
                f.encode_counter::<NoLabelSet, _, u64>(n, None)?;
            }
        }
        Samples::Seconds(v) => {
            for (labels, n) in v {
                let mut f = m.encode_family(labels)?;
                f.encode_counter::<NoLabelSet, _, f64>(n, None)?;
            }
        }
        Samples::Gauge(v) => {
            for (labels, n) in v {
                m.encode_family(labels)?.encode_gauge(n)?;
            }
        }
    }
    Ok(())
}

/// A family with no labels.
fn single(enc: &mut DescriptorEncoder, name: &str, help: &str, n: u64) -> fmt::Result {
    let c = prometheus_client::metrics::counter::ConstCounter::new(n);
    let m = enc.encode_descriptor(name, help, None, c.metric_type())?;
    c.encode(m)
}

fn profile(p: &str) -> Labels {
    vec![("profile", p.to_owned())]
}

impl Scrape {
    fn traffic(&self, f: impl Fn(&Traffic) -> u64) -> Samples {
        Samples::Counter(
            self.figures
                .traffic
                .iter()
                .map(|(p, t)| (profile(p), f(t)))
                .collect(),
        )
    }

    fn links(&self, f: impl Fn(&Link) -> u64) -> Samples {
        Samples::Counter(
            self.figures
                .links
                .iter()
                .map(|((p, e), l)| (vec![("profile", p.clone()), ("endpoint", e.clone())], f(l)))
                .collect(),
        )
    }

    fn sessions(&self) -> Samples {
        let mut v = Vec::new();
        for (p, counts) in &self.sessions {
            for (state, &n) in SessionState::ALL.iter().zip(counts) {
                let labels = vec![("profile", p.clone()), ("state", state.word().to_owned())];
                v.push((labels, i64::try_from(n).unwrap_or(i64::MAX)));
            }
        }
        Samples::Gauge(v)
    }

    fn aids(&self) -> Samples {
        let mut v = Vec::new();
        for (p, t) in &self.figures.traffic {
            for (key, n) in t.aids.by_name() {
                v.push((vec![("profile", p.clone()), ("key", key)], n));
            }
        }
        Samples::Counter(v)
    }

    fn histograms(&self, enc: &mut DescriptorEncoder) -> fmt::Result {
        if self.figures.traffic.is_empty() {
            return Ok(());
        }
        let mut m = enc.encode_descriptor(
            "host_response",
            "Host response time: from an AID leaving to the host's record that unlocks the keyboard, measured in the engine.",
            Some(&Unit::Seconds),
            MetricType::Histogram,
        )?;
        for (p, t) in &self.figures.traffic {
            let labels = profile(p);
            let h = &t.response;
            m.encode_family(&labels)?.encode_histogram::<NoLabelSet>(
                h.sum.as_secs_f64(),
                h.count,
                &h.bounded(),
                None,
            )?;
        }
        Ok(())
    }

    fn link_families(&self, enc: &mut DescriptorEncoder) -> fmt::Result {
        family(
            enc,
            "connects",
            "Connections opened, by profile and endpoint.",
            None,
            &self.links(|l| l.connects),
        )?;
        family(
            enc,
            "reconnects",
            "Connections opened by a session that had one before, by profile and endpoint.",
            None,
            &self.links(|l| l.reconnects),
        )?;
        family(
            enc,
            "endpoint_connect_attempts",
            "Attempts to open a connection (TCP, and TLS where used), by profile and endpoint.",
            None,
            &self.links(|l| l.attempts),
        )?;
        family(
            enc,
            "endpoint_connect_failures",
            "Attempts to open a connection that failed, by profile and endpoint.",
            None,
            &self.links(|l| l.failures),
        )?;
        let certs = self
            .certs
            .iter()
            .map(|(e, &t)| (vec![("endpoint", e.clone())], t))
            .collect();
        let up = self
            .health
            .iter()
            .map(|(e, &(up, _))| (vec![("endpoint", e.clone())], up))
            .collect();
        family(
            enc,
            "endpoint_up",
            "1 when the last health probe of the endpoint heard the host negotiate, 0 when it did not (endpoints of profiles with `health-check` only).",
            None,
            &Samples::Gauge(up),
        )?;
        let probes: Vec<(Vec<(&'static str, String)>, f64)> = self
            .health
            .iter()
            .filter_map(|(e, &(_, l))| l.map(|l| (vec![("endpoint", e.clone())], l)))
            .collect();
        if !probes.is_empty() {
            let mut m = enc.encode_descriptor(
                "endpoint_probe_latency",
                "How long the endpoint's last successful health probe took to hear the host's first telnet negotiation.",
                Some(&Unit::Seconds),
                MetricType::Gauge,
            )?;
            for (labels, v) in probes {
                m.encode_family(&labels)?.encode_gauge(&v)?;
            }
        }
        family(
            enc,
            "tls_cert_expiry_timestamp",
            "The notAfter time of the certificate the endpoint presented, as a unix time (the earliest, if sessions saw different ones).",
            Some(&Unit::Seconds),
            &Samples::Gauge(certs),
        )
    }

    fn traffic_families(&self, enc: &mut DescriptorEncoder) -> fmt::Result {
        let bytes = Unit::Bytes;
        let records = Unit::Other("records".to_owned());
        family(
            enc,
            "received",
            "Bytes received from hosts (the telnet stream, inside TLS), by profile.",
            Some(&bytes),
            &self.traffic(|t| t.bytes_in),
        )?;
        family(
            enc,
            "sent",
            "Bytes sent to hosts (the telnet stream, inside TLS), by profile.",
            Some(&bytes),
            &self.traffic(|t| t.bytes_out),
        )?;
        family(
            enc,
            "received",
            "Records received from hosts (each IAC EOR), by profile.",
            Some(&records),
            &self.traffic(|t| t.records_in),
        )?;
        family(
            enc,
            "sent",
            "Records sent to hosts, by profile.",
            Some(&records),
            &self.traffic(|t| t.records_out),
        )?;
        family(
            enc,
            "aids",
            "AIDs sent, by profile and key.",
            None,
            &self.aids(),
        )?;
        self.histograms(enc)?;
        let locked = Samples::Seconds(
            self.figures
                .traffic
                .iter()
                .map(|(p, t)| (profile(p), t.keyboard_locked.as_secs_f64()))
                .collect(),
        );
        family(
            enc,
            "keyboard_locked",
            "Time the keyboard was locked (waiting for the host, or an operator error), up to its last change, by profile.",
            Some(&Unit::Seconds),
            &locked,
        )
    }

    fn process_families(&self, enc: &mut DescriptorEncoder) -> fmt::Result {
        let counts: [(&str, &str, u64); 9] = [
            (
                "audit_records",
                "Records appended to the audit log (sessions' and API calls').",
                self.audit_records,
            ),
            (
                "audit_api_records",
                "Audit records of API calls that change something.",
                self.audit_api_records,
            ),
            (
                "audit_write_failures",
                "Audit records that could not be written.",
                self.audit_failures,
            ),
            (
                "script_commands",
                "s3270 action lines run.",
                self.script_lines,
            ),
            (
                "script_command_errors",
                "s3270 action lines that failed.",
                self.script_errors,
            ),
            ("macro_runs", "Macros run.", self.macro_runs),
            (
                "macro_failures",
                "Macro runs that failed.",
                self.macro_failures,
            ),
            (
                "webhook_deliveries",
                "Webhook deliveries the receiver took (2xx).",
                self.webhook_delivered,
            ),
            (
                "webhook_delivery_failures",
                "Webhook delivery attempts that failed.",
                self.webhook_failed,
            ),
        ];
        for (name, help, n) in counts {
            single(enc, name, help, n)?;
        }
        let api = STATUS_CLASSES
            .iter()
            .zip(self.api_responses)
            .map(|(class, n)| (vec![("code", (*class).to_owned())], n))
            .collect();
        family(
            enc,
            "api_requests",
            "API requests answered, by status class (refusals included).",
            None,
            &Samples::Counter(api),
        )
    }
}

impl Collector for Scrape {
    fn encode(&self, mut enc: DescriptorEncoder) -> fmt::Result {
        family(
            &mut enc,
            "sessions",
            "Open sessions, by profile and state.",
            None,
            &self.sessions(),
        )?;
        self.link_families(&mut enc)?;
        self.traffic_families(&mut enc)?;
        self.process_families(&mut enc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_times_are_unix_times() {
        assert_eq!(unix_time("1970-01-01 00:00:00 UTC"), Some(0));
        // `date -u -d '2051-03-04 05:06:07' +%s`
        assert_eq!(unix_time("2051-03-04 05:06:07 UTC"), Some(2_561_519_167));
        assert_eq!(unix_time("2051-03-04 05:06:07"), None);
        assert_eq!(unix_time("2051-13-04 05:06:07 UTC"), None);
        assert_eq!(unix_time("2051-03-04 05:06 UTC"), None);
    }

    fn live(bytes: u64, response_ms: &[u64]) -> Live {
        let mut l = Live::none();
        l.stats.session.bytes_in = bytes;
        for &ms in response_ms {
            l.stats.session.response.record(Duration::from_millis(ms));
        }
        l.stats.session.aids.enter = response_ms.len() as u64;
        l.stats.link.endpoint = Some("h:23".to_owned());
        l.stats.link.connections = 1;
        l
    }

    #[test]
    fn a_replaced_connection_is_kept_and_the_next_is_a_reconnect() {
        let tally = Arc::new(Mutex::new(Tally::default()));
        let slot = Arc::new(Mutex::new(Live::none()));
        let mut hook = Tally::on_connect(tally.clone(), "p".to_owned(), slot.clone());
        hook("down:23", false);
        hook("h:23", true);
        *read(&slot) = live(100, &[40, 700]);
        hook("h:23", true);
        assert_eq!(
            read(&slot).stats.session.bytes_in,
            0,
            "the slot starts afresh"
        );
        *read(&slot) = live(5, &[31_000]);
        let mut f = lock(&tally).retired.clone();
        f.add_live("p", &read(&slot));
        let t = f.traffic["p"];
        assert_eq!(t.bytes_in, 105);
        assert_eq!(t.aids.enter, 3);
        assert_eq!(t.response.count, 3);
        assert_eq!(t.response.sum, Duration::from_millis(31_740));
        assert_eq!(t.response.buckets, [1, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
        let h = f.links[&("p".to_owned(), "h:23".to_owned())];
        assert_eq!((h.connects, h.reconnects), (2, 1));
        let down = f.links[&("p".to_owned(), "down:23".to_owned())];
        assert_eq!((down.attempts, down.failures, down.connects), (1, 1, 0));
    }

    #[test]
    fn a_closing_session_is_read_until_closed_then_kept() {
        let mut tally = Tally::default();
        let slot = Arc::new(Mutex::new(live(7, &[])));
        tally.closing("p", &slot);
        assert_eq!(tally.closing.len(), 1);
        read(&slot).stats.session.bytes_in = 9;
        tally.closed(&slot);
        assert!(tally.closing.is_empty());
        assert_eq!(tally.retired.traffic["p"].bytes_in, 9);
        // Closed twice: counted once.
        tally.closed(&slot);
        assert_eq!(tally.retired.traffic["p"].bytes_in, 9);
    }

    #[test]
    fn the_histogram_is_cumulative_with_sum_and_count_in_the_text_format() {
        let mut s = Scrape::default();
        s.add("p", &live(1, &[50, 51, 1_000, 45_000]));
        let mut registry = Registry::with_prefix("r3270");
        registry.register_collector(Box::new(s));
        let mut out = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut out, &registry).unwrap();
        for line in [
            "# TYPE r3270_host_response_seconds histogram",
            "r3270_host_response_seconds_bucket{profile=\"p\",le=\"0.05\"} 1",
            "r3270_host_response_seconds_bucket{profile=\"p\",le=\"0.1\"} 2",
            "r3270_host_response_seconds_bucket{profile=\"p\",le=\"0.5\"} 2",
            "r3270_host_response_seconds_bucket{profile=\"p\",le=\"1\"} 3",
            "r3270_host_response_seconds_bucket{profile=\"p\",le=\"30\"} 3",
            "r3270_host_response_seconds_bucket{profile=\"p\",le=\"+Inf\"} 4",
            "r3270_host_response_seconds_sum{profile=\"p\"} 46.101",
            "r3270_host_response_seconds_count{profile=\"p\"} 4",
            "r3270_received_bytes_total{profile=\"p\"} 1",
            "r3270_aids_total{profile=\"p\",key=\"enter\"} 4",
            "r3270_connects_total{profile=\"p\",endpoint=\"h:23\"} 1",
        ] {
            assert!(out.lines().any(|l| l == line), "no `{line}` in\n{out}");
        }
    }
}
