//! A Kafka-protocol-aware TCP proxy between the clients and one broker, to stage the failures
//! the mock cluster cannot: a produce request the broker appends whose response is lost (the
//! connection dies before it arrives), and a produce request held in flight while its producer
//! is killed, delivered later.
//!
//! The broker must advertise the proxy's address, so clients reach it only through the proxy.
//! Frames are `[size: i32][body]`; a request body starts with `api_key: i16, api_version: i16,
//! correlation_id: i32`, a response body with `correlation_id: i32`.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

const PRODUCE: i16 = 0;

#[derive(Default)]
struct Shared {
    /// Drop the response of the n-th produce request from now (0 = none) and kill its
    /// connection.
    drop_countdown: AtomicUsize,
    /// Hold the n-th produce request from now (0 = none) until [`KafkaProxy::release`].
    hold_countdown: AtomicUsize,
    /// Counters and the hold's state, with a condition variable for waiters.
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    produce_requests: usize,
    responses_dropped: usize,
    held: bool,
    released: bool,
    delivered_after_hold: bool,
}

/// A running proxy; connections are served by background threads.
pub struct KafkaProxy {
    pub addr: String,
    shared: Arc<Shared>,
}

impl KafkaProxy {
    /// Listens on `listener`, forwarding every connection to `upstream`.
    pub fn start(listener: TcpListener, upstream: String) -> KafkaProxy {
        let addr = listener.local_addr().unwrap().to_string();
        let shared = Arc::new(Shared::default());
        let s = Arc::clone(&shared);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let Ok(broker) = TcpStream::connect(&upstream) else {
                    continue;
                };
                let s = Arc::clone(&s);
                std::thread::spawn(move || serve(client, broker, s));
            }
        });
        KafkaProxy { addr, shared }
    }

    /// The broker will append the `n`-th produce request from now (1 = the next), but its
    /// response is dropped and the client's connection closed: "written, acknowledgement lost".
    pub fn drop_produce_response(&self, n: usize) {
        self.shared.drop_countdown.store(n, Ordering::SeqCst);
    }

    /// The `n`-th produce request from now (1 = the next) is held, not forwarded, until
    /// [`KafkaProxy::release`]; so is everything after it on that connection.
    pub fn hold_produce(&self, n: usize) {
        self.shared.hold_countdown.store(n, Ordering::SeqCst);
    }

    /// Delivers the held request to the broker (even if its client is gone by now).
    pub fn release(&self) {
        let mut st = self.shared.state.lock().unwrap();
        st.released = true;
        self.shared.changed.notify_all();
    }

    fn wait(&self, what: &str, limit: Duration, done: impl Fn(&State) -> bool) {
        let deadline = Instant::now() + limit;
        let mut st = self.shared.state.lock().unwrap();
        while !done(&st) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "proxy: {what} did not happen within {limit:?}"
            );
            st = self.shared.changed.wait_timeout(st, left).unwrap().0;
        }
    }

    /// Waits until a produce response was dropped.
    pub fn wait_dropped(&self, limit: Duration) {
        self.wait("a dropped produce response", limit, |s| {
            s.responses_dropped > 0
        });
    }

    /// Waits until a produce request is held.
    pub fn wait_held(&self, limit: Duration) {
        self.wait("a held produce request", limit, |s| s.held);
    }

    /// Waits until the held request reached the broker.
    pub fn wait_delivered(&self, limit: Duration) {
        self.wait("delivery of the held request", limit, |s| {
            s.delivered_after_hold
        });
    }

    /// Produce requests seen so far.
    pub fn produce_requests(&self) -> usize {
        self.shared.state.lock().unwrap().produce_requests
    }
}

fn read_frame(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut size = [0u8; 4];
    stream.read_exact(&mut size).ok()?;
    let n = i32::from_be_bytes(size);
    let mut frame = vec![0u8; 4 + usize::try_from(n).ok()?];
    frame[..4].copy_from_slice(&size);
    stream.read_exact(&mut frame[4..]).ok()?;
    Some(frame)
}

fn serve(client: TcpStream, broker: TcpStream, shared: Arc<Shared>) {
    // Correlation id of a produce request whose response must be dropped.
    let doomed = Arc::new(Mutex::new(None::<i32>));
    // Requests forwarded and not yet answered, so the broker connection is closed only once
    // everything sent on it was answered (a held request included).
    let outstanding = Arc::new(AtomicUsize::new(0));
    let upstream_done = Arc::new((Mutex::new(false), Condvar::new()));

    let mut from_client = client.try_clone().unwrap();
    let mut to_broker = broker.try_clone().unwrap();
    let (s, d, o, u) = (
        Arc::clone(&shared),
        Arc::clone(&doomed),
        Arc::clone(&outstanding),
        Arc::clone(&upstream_done),
    );
    let requests = std::thread::spawn(move || {
        while let Some(frame) = read_frame(&mut from_client) {
            let api_key = i16::from_be_bytes([frame[4], frame[5]]);
            let correlation = i32::from_be_bytes([frame[8], frame[9], frame[10], frame[11]]);
            if api_key == PRODUCE {
                s.state.lock().unwrap().produce_requests += 1;
                let hold = s
                    .hold_countdown
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
                if hold == Ok(1) {
                    let mut st = s.state.lock().unwrap();
                    st.held = true;
                    s.changed.notify_all();
                    while !st.released {
                        st = s.changed.wait(st).unwrap();
                    }
                    drop(st);
                    o.fetch_add(1, Ordering::SeqCst);
                    let sent = to_broker.write_all(&frame).is_ok();
                    let mut st = s.state.lock().unwrap();
                    st.delivered_after_hold = sent;
                    s.changed.notify_all();
                    continue;
                }
                let countdown =
                    s.drop_countdown
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
                if countdown == Ok(1) {
                    *d.lock().unwrap() = Some(correlation);
                }
            }
            o.fetch_add(1, Ordering::SeqCst);
            if to_broker.write_all(&frame).is_err() {
                break;
            }
        }
        // The client is gone: close towards the broker once everything sent was answered.
        let (lock, cv) = &*u;
        let mut done = lock.lock().unwrap();
        while !*done && o.load(Ordering::SeqCst) > 0 {
            done = cv.wait_timeout(done, Duration::from_millis(50)).unwrap().0;
        }
        to_broker.shutdown(Shutdown::Both).ok();
    });

    let mut from_broker = broker;
    let mut to_client = client;
    let mut client_alive = true;
    while let Some(frame) = read_frame(&mut from_broker) {
        outstanding.fetch_sub(1, Ordering::SeqCst);
        upstream_done.1.notify_all();
        let correlation = i32::from_be_bytes([frame[4], frame[5], frame[6], frame[7]]);
        if *doomed.lock().unwrap() == Some(correlation) {
            // Appended by the broker; the producer never hears of it.
            to_client.shutdown(Shutdown::Both).ok();
            client_alive = false;
            let mut st = shared.state.lock().unwrap();
            st.responses_dropped += 1;
            shared.changed.notify_all();
            continue;
        }
        if client_alive && to_client.write_all(&frame).is_err() {
            client_alive = false;
        }
    }
    *upstream_done.0.lock().unwrap() = true;
    upstream_done.1.notify_all();
    to_client.shutdown(Shutdown::Both).ok();
    requests.join().ok();
}
