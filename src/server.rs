//! The local picture server: a stand-in for `https://picsum.photos` that runs inside
//! every lesson (or on its own as `picsum-local`), so the lessons work offline and give
//! the same timings every time.
//!
//! `GET /{width}/{height}` answers a real JPEG of that size after a fixed latency,
//! optionally trickled out at a capped bandwidth. Every request is counted, so a lesson
//! can prove how many downloads it really made.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::Stream;
use hyper::body::{Bytes, Frame, Incoming};
use hyper::{Method, Request, Response, StatusCode, Uri, header};
use tokio::sync::oneshot;

/// An answer's body before it is watched: its pieces, as they become ready.
type Pieces = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>;

/// The largest width or height the server draws; bigger sizes get 400.
pub const MAX_SIDE: u32 = 5000;

/// A failure the server can be told to produce, to see how a client copes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this HTTP status (404, 500, 503, ...) and a short text body.
    Status(u16),
    /// Send the headers, then close the connection before any of the body.
    Reset,
    /// Send the headers and half the body, then close the connection.
    Truncate,
    /// Never answer (the client's timeout has to end it).
    Stall,
    /// Send the picture at 1 KB/s: a 200 KB picture takes minutes.
    Trickle,
}

impl std::str::FromStr for Fault {
    type Err = String;

    /// `404`, `500`, `503` (any status from 400 to 599), `reset`, `truncate`, `stall`, `trickle`.
    fn from_str(text: &str) -> Result<Fault, String> {
        match text {
            "reset" => Ok(Fault::Reset),
            "truncate" => Ok(Fault::Truncate),
            "stall" => Ok(Fault::Stall),
            "trickle" => Ok(Fault::Trickle),
            code => match code.parse::<u16>() {
                Ok(code) if (400..=599).contains(&code) => Ok(Fault::Status(code)),
                _ => Err(format!(
                    "unknown fault {text:?}: use a status from 400 to 599, reset, truncate, stall or trickle"
                )),
            },
        }
    }
}

impl Fault {
    /// `N:FAULT`, e.g. `3:500`: request number N (from 1) fails that way.
    pub fn numbered(text: &str) -> Result<(usize, Fault), String> {
        let (n, fault) = text.split_once(':').ok_or("expected N:FAULT, e.g. 3:500")?;
        let n: usize = n
            .parse()
            .map_err(|_| format!("{:?} is not a request number", n.escape_debug().to_string()))?;
        if n == 0 {
            return Err("requests are numbered from 1".into());
        }
        Ok((n, fault.parse()?))
    }
}

/// How the server behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Time the server waits before it answers each request.
    pub latency: Duration,
    /// Optional cap on the speed at which a body is sent, in bytes per second.
    pub bandwidth: Option<u64>,
    /// Print one line per request on stdout (`GET /200/3000`), as the standalone
    /// server does; the lessons keep it quiet.
    pub log_requests: bool,
    /// Faults by request number (the first request is 1). Any request can also ask
    /// for a fault itself: `/200/3000?fault=500`.
    pub faults: Vec<(usize, Fault)>,
    /// A connection that has not sent a whole request head within this time (a client
    /// that sends half a request and waits, or one left idle) is closed.
    pub header_time_limit: Duration,
    /// At most this many connections at once; one more is answered 503 and closed at
    /// once, with the reason. `None`: as many as the open-files limit leaves room for.
    pub max_connections: Option<usize>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            latency: Duration::from_millis(300),
            bandwidth: None,
            log_requests: false,
            faults: Vec::new(),
            header_time_limit: Duration::from_secs(10),
            max_connections: None,
        }
    }
}

/// The server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the picture server only listens on loopback, not on {0}")]
    NotLoopback(SocketAddr),
    #[error("cannot start the server's runtime: {0}")]
    Runtime(std::io::Error),
}

/// How many picture sizes the server keeps drawn.
const CACHED_SIZES: usize = 8;

/// How many pictures are drawn at once: drawing a large one takes memory (about 75 MB
/// for 5000x5000), so a crowd of requests for new sizes waits its turn.
const DRAWN_AT_ONCE: usize = 2;

/// A picture of at most this many pixels is small (the tutorial's 200x3000 is 0.6
/// million): small ones take their turns apart from large ones, so a crowd asking for
/// 5000x5000 pictures never keeps a lesson's own picture waiting.
const SMALL_PIXELS: u64 = 1_000_000;

/// A running picture server. It stops when dropped.
pub struct PictureServer {
    addr: SocketAddr,
    state: Arc<ServerState>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

struct ServerState {
    config: ServerConfig,
    requests: AtomicUsize,
    pictures: Mutex<HashMap<(u32, u32), Bytes>>,
    /// Turns to draw a large picture, and a small one (see [`DRAWN_AT_ONCE`] and
    /// [`SMALL_PIXELS`]).
    drawing: tokio::sync::Semaphore,
    drawing_small: tokio::sync::Semaphore,
    /// How many pictures were drawn (not served from the cache).
    drawn: AtomicUsize,
    /// Connections open now, and how many were refused for being one too many.
    connections: AtomicUsize,
    refused: AtomicUsize,
    /// Every request so far, as the server saw it: the lab's view of a run.
    served: Mutex<Vec<Served>>,
    /// Where each new client address is sent, if someone asked (see
    /// [`PictureServer::watch_clients`]).
    clients: Mutex<Option<mpsc::Sender<(usize, SocketAddr)>>>,
}

/// One request as the server saw it: when it came, when its answer's first and last
/// bytes left, how many bytes, which status, which client connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    /// The request's number, from 1, in the order they arrived.
    pub number: usize,
    /// The client's end of the connection (`127.0.0.1:54321`): requests on one
    /// kept-alive connection share it.
    pub client: SocketAddr,
    pub method: String,
    /// The path and query asked for (`/200/3000`).
    pub target: String,
    pub arrived: Instant,
    /// When the first byte of the answer's body was handed to the connection; `None`
    /// if none was (the client left, or the answer had no body).
    pub first_byte: Option<Instant>,
    /// When the last byte was handed over, or the answer ended otherwise; `None`
    /// while it is still going.
    pub finished: Option<Instant>,
    pub status: u16,
    /// Body bytes handed to the connection so far.
    pub bytes: u64,
    /// The body's announced length, once the answer has started.
    pub length: Option<u64>,
    /// The whole body went out (false: cut by a fault, or the client left early).
    pub complete: bool,
    /// It came on a connection beyond the server's limit and was answered 503.
    pub refused: bool,
}

impl PictureServer {
    /// Starts a server on `127.0.0.1` on a free port chosen by the OS.
    pub fn start(config: ServerConfig) -> Result<PictureServer, ServerError> {
        PictureServer::start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), config)
    }

    /// Starts a server on the given loopback address (port 0 picks a free port).
    pub fn start_on(addr: SocketAddr, config: ServerConfig) -> Result<PictureServer, ServerError> {
        if !addr.ip().is_loopback() {
            return Err(ServerError::NotLoopback(addr));
        }
        let state = Arc::new(ServerState {
            config,
            requests: AtomicUsize::new(0),
            pictures: Mutex::new(HashMap::new()),
            drawing: tokio::sync::Semaphore::new(DRAWN_AT_ONCE),
            drawing_small: tokio::sync::Semaphore::new(DRAWN_AT_ONCE),
            drawn: AtomicUsize::new(0),
            connections: AtomicUsize::new(0),
            refused: AtomicUsize::new(0),
            served: Mutex::new(Vec::new()),
            clients: Mutex::new(None),
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("picture-server")
            .enable_all()
            .build()
            .map_err(ServerError::Runtime)?;
        // Draw the tutorial's picture now, so the first request is not slower than the
        // rest: in the background, holding every turn to draw, so the caller need not
        // wait (15 ms of a lab's start) and a request for it waits for this drawing.
        let drawing = state.clone();
        runtime.spawn(async move {
            let turns = drawing.drawing_small.acquire_many(DRAWN_AT_ONCE as u32);
            let Ok(_turns) = turns.await else {
                return;
            };
            let picture = drawing.clone();
            let _ = tokio::task::spawn_blocking(move || picture.picture(200, 3000)).await;
        });
        // Bind here, on the caller's thread, so that a busy port is reported at once
        // and the real port is known before the first request. A long queue of
        // connections not yet accepted (std's is 128), so that a thousand clients
        // connecting at once (lesson 12) are not made to retry.
        let bind_error = |source| ServerError::Bind { addr, source };
        let listener = {
            let _in_the_runtime = runtime.enter();
            let socket = if addr.is_ipv4() {
                tokio::net::TcpSocket::new_v4()
            } else {
                tokio::net::TcpSocket::new_v6()
            }
            .map_err(bind_error)?;
            socket.bind(addr).map_err(bind_error)?;
            socket.listen(4096).map_err(bind_error)?
        };
        let addr = listener.local_addr().map_err(bind_error)?;
        let (stop, stopped) = oneshot::channel::<()>();
        let serving = state.clone();
        let thread = thread::Builder::new()
            .name("picture-server".into())
            .spawn(move || {
                runtime.block_on(serve(listener, serving, stopped));
                // Do not wait for connections that a client left open.
                runtime.shutdown_background();
            })
            .map_err(ServerError::Runtime)?;

        Ok(PictureServer {
            addr,
            state,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL of a picture of the given size, like `https://picsum.photos/200/3000`.
    pub fn picture_url(&self, width: u32, height: u32) -> String {
        format!("http://{}/{width}/{height}", self.addr)
    }

    /// How many requests the server has received so far (any path, any answer).
    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// Every request so far, in the order they arrived.
    pub fn served(&self) -> Vec<Served> {
        lock(&self.state.served).clone()
    }

    /// How many pictures were drawn, not served from the cache.
    pub fn pictures_drawn(&self) -> usize {
        self.state.drawn.load(Ordering::SeqCst)
    }

    /// How many connections were refused for being one too many.
    pub fn connections_refused(&self) -> usize {
        self.state.refused.load(Ordering::SeqCst)
    }

    /// The log of requests, to read from another thread while the server runs.
    pub fn log(&self) -> ServerLog {
        ServerLog(self.state.clone())
    }

    /// From now on, every request's number and its client's address are sent on the
    /// returned channel as the request arrives (the lab finds out which process holds
    /// that connection while it is still open).
    pub fn watch_clients(&self) -> mpsc::Receiver<(usize, SocketAddr)> {
        let (sender, receiver) = mpsc::channel();
        *lock(&self.state.clients) = Some(sender);
        receiver
    }

    /// The latency, bandwidth and faults the server was started with.
    pub fn config(&self) -> &ServerConfig {
        &self.state.config
    }

    /// "local picture server, 300 ms latency" (and the bandwidth cap, if any).
    pub fn describe(&self) -> String {
        let config = &self.state.config;
        let mut text = format!(
            "local picture server, {} ms latency",
            config.latency.as_millis()
        );
        if let Some(bytes) = config.bandwidth {
            text.push_str(&format!(", {} KB/s", bytes / 1000));
        }
        text
    }

    /// Runs until the process is stopped (for the standalone `picsum-local`).
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for PictureServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl ServerState {
    /// The most connections at once: as configured, or the open-files limit less
    /// room for the files the rest of the process needs.
    fn most_connections(&self) -> usize {
        if let Some(most) = self.config.max_connections {
            return most;
        }
        match crate::usage::open_files_limit() {
            Some((soft, _)) => {
                let soft = usize::try_from(soft).unwrap_or(usize::MAX);
                soft.saturating_sub((soft / 4).clamp(8, 64)).max(1)
            }
            None => 10_000,
        }
    }

    /// The JPEG for a size, drawn once and then served from the cache.
    ///
    /// It is drawn without holding the cache's lock, so that a large picture being
    /// drawn never holds up a request for one that is ready; the cache keeps at most
    /// [`CACHED_SIZES`] sizes, so that a client asking for every size cannot fill the
    /// memory.
    fn picture(&self, width: u32, height: u32) -> Bytes {
        if let Some(picture) = self.cache().get(&(width, height)) {
            return picture.clone();
        }
        let drawn = Bytes::from(draw_jpeg(width, height));
        self.drawn.fetch_add(1, Ordering::SeqCst);
        let mut cache = self.cache();
        if cache.len() >= CACHED_SIZES && !cache.contains_key(&(width, height)) {
            // Forget any size but the tutorial's.
            if let Some(&size) = cache.keys().find(|&&size| size != (200, 3000)) {
                cache.remove(&size);
            }
        }
        cache.entry((width, height)).or_insert(drawn).clone()
    }

    fn cached(&self, width: u32, height: u32) -> Option<Bytes> {
        self.cache().get(&(width, height)).cloned()
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<(u32, u32), Bytes>> {
        lock(&self.pictures)
    }

    /// Notes a request's arrival; returns its place in the log.
    fn arrived(&self, number: usize, client: SocketAddr, method: &Method, uri: &Uri) -> usize {
        if let Some(clients) = lock(&self.clients).as_ref() {
            let _ = clients.send((number, client));
        }
        let mut served = lock(&self.served);
        served.push(Served {
            number,
            client,
            method: method.to_string(),
            target: uri.to_string(),
            arrived: Instant::now(),
            first_byte: None,
            finished: None,
            status: 0,
            bytes: 0,
            length: None,
            complete: false,
            refused: false,
        });
        served.len() - 1
    }

    fn update(&self, at: usize, change: impl FnOnce(&mut Served)) {
        if let Some(served) = lock(&self.served).get_mut(at) {
            change(served);
        }
    }
}

/// A handle on a running server's log of requests (see [`PictureServer::log`]).
#[derive(Clone)]
pub struct ServerLog(Arc<ServerState>);

impl ServerLog {
    /// Every request so far, in the order they arrived.
    pub fn served(&self) -> Vec<Served> {
        lock(&self.0.served).clone()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Accepts connections until `stopped`, serving each on its own task: a request head
/// must arrive within the time limit, and a connection beyond the limit is refused with
/// a reason instead of being left to wait.
async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<ServerState>,
    mut stopped: oneshot::Receiver<()>,
) {
    loop {
        let (stream, client) = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(_) => {
                    // Out of open files, say: try again soon, not in a busy loop.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        // A connection beyond the limit is still read and answered, with a 503 that
        // says why, so the client sees a reason instead of a reset; it is held for
        // one second at most, and not counted.
        let most = state.most_connections();
        let over_limit = state.connections.load(Ordering::SeqCst) >= most;
        let (open, time_limit) = if over_limit {
            state.refused.fetch_add(1, Ordering::SeqCst);
            (None, Duration::from_secs(1))
        } else {
            (
                Some(OpenConnection::count(state.clone())),
                state.config.header_time_limit,
            )
        };
        let refused = over_limit.then_some(Refused { most });
        let serving = state.clone();
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let state = serving.clone();
            async move {
                let (method, uri) = (request.method().clone(), request.uri().clone());
                Ok::<_, std::convert::Infallible>(answer(state, client, refused, method, uri).await)
            }
        });
        tokio::spawn(async move {
            let _open = open;
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(time_limit)
                .keep_alive(!over_limit)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}

/// One open connection, counted while it lives.
struct OpenConnection(Arc<ServerState>);

impl OpenConnection {
    fn count(state: Arc<ServerState>) -> OpenConnection {
        state.connections.fetch_add(1, Ordering::SeqCst);
        OpenConnection(state)
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Marks a request that came on a connection beyond the limit: it is answered with
/// 503 and the reason.
#[derive(Clone, Copy)]
struct Refused {
    most: usize,
}

fn refusal(most: usize) -> Response<Pieces> {
    let reason = format!(
        "too many connections: the picture server holds at most {most} at once \
         (what its open-files limit leaves room for); close some and try again\n"
    );
    let mut response = text(StatusCode::SERVICE_UNAVAILABLE, reason);
    let close = header::HeaderValue::from_static("close");
    response.headers_mut().insert(header::CONNECTION, close);
    response
}

/// A short text answer, its length said in its head.
fn text(status: StatusCode, message: impl Into<String>) -> Response<Pieces> {
    let message = Bytes::from(message.into());
    let length = message.len();
    let mut response = Response::new(Box::pin(futures_util::stream::iter([Ok(message)])) as Pieces);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    let plain = header::HeaderValue::from_static("text/plain; charset=utf-8");
    headers.insert(header::CONTENT_TYPE, plain);
    headers.insert(header::CONTENT_LENGTH, length.into());
    response
}

/// The answer's body, watched: each piece handed to the connection is counted in the
/// log, and so is the end, whether the body ran out, failed, or was dropped because
/// the client left.
struct Watched<S> {
    inner: S,
    state: Arc<ServerState>,
    at: usize,
    /// The announced length: a connection stops reading the body once it has this
    /// many bytes, so that is the end of a whole answer too.
    expected: Option<u64>,
    sent: u64,
    done: bool,
}

impl<S> hyper::body::Body for Watched<S>
where
    S: Stream<Item = Result<Bytes, std::io::Error>> + Unpin,
{
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_next(context);
        if let Poll::Ready(item) = &polled {
            let now = Instant::now();
            let this = &mut *self;
            match item {
                Some(Ok(piece)) => {
                    let length = piece.len() as u64;
                    this.sent += length;
                    this.state.update(this.at, |served| {
                        served.first_byte.get_or_insert(now);
                        served.bytes += length;
                    });
                }
                Some(Err(_)) => {
                    this.done = true;
                    this.state
                        .update(this.at, |served| served.finished = Some(now));
                }
                None => {
                    this.done = true;
                    this.state.update(this.at, |served| {
                        served.finished = Some(now);
                        served.complete = true;
                    });
                }
            }
        }
        polled.map(|item| item.map(|piece| piece.map(Frame::data)))
    }
}

impl<S> Drop for Watched<S> {
    fn drop(&mut self) {
        if !self.done {
            let now = Instant::now();
            let whole = self.expected.is_some_and(|expected| self.sent >= expected);
            self.state.update(self.at, |served| {
                served.finished = Some(now);
                served.complete = whole;
            });
        }
    }
}

/// A request whose answer is not ready yet. If the connection drops it first (the
/// client gave up on a stalled answer), the request ends there, not at the end of the
/// run. Once the answer is ready, its watched body marks the end instead.
struct Unanswered {
    state: Arc<ServerState>,
    at: Option<usize>,
}

impl Unanswered {
    fn answered(mut self) {
        self.at = None;
    }
}

impl Drop for Unanswered {
    fn drop(&mut self) {
        if let Some(at) = self.at {
            let now = Instant::now();
            self.state.update(at, |served| served.finished = Some(now));
        }
    }
}

/// A body of whole pieces of at most 64 KiB: the log sees the answer go out piece by
/// piece, as a live view shows it.
fn in_pieces(body: Bytes) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    const PIECE: usize = 64 * 1024;
    futures_util::stream::unfold(body, |mut rest| async move {
        if rest.is_empty() {
            return None;
        }
        let piece = rest.split_to(PIECE.min(rest.len()));
        Some((Ok(piece), rest))
    })
}

/// Answers every request: the routing is simple enough to do by hand, which also lets
/// every bad request get a short, specific text answer.
async fn answer(
    state: Arc<ServerState>,
    client: SocketAddr,
    refused: Option<Refused>,
    method: Method,
    uri: Uri,
) -> Response<Watched<Pieces>> {
    let n = state.requests.fetch_add(1, Ordering::SeqCst) + 1;
    if state.config.log_requests {
        crate::units::say(&format!("request {n}: {method} {uri}"));
    }
    let at = state.arrived(n, client, &method, &uri);
    let unanswered = Unanswered {
        state: state.clone(),
        at: Some(at),
    };
    let response = match refused {
        Some(Refused { most }) => refusal(most),
        None => answer_request(&state, n, &uri).await,
    };
    unanswered.answered();
    let status = response.status().as_u16();
    // Every answer's body goes out watched, so the log knows its first and last byte.
    let (parts, stream) = response.into_parts();
    let expected = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse().ok());
    state.update(at, |served| {
        served.status = status;
        served.length = expected;
        served.refused = refused.is_some();
    });
    let watched = Watched {
        inner: stream,
        state: state.clone(),
        at,
        expected,
        sent: 0,
        done: false,
    };
    Response::from_parts(parts, watched)
}

/// The answer to request number `n`, before it is watched.
async fn answer_request(state: &Arc<ServerState>, n: usize, uri: &Uri) -> Response<Pieces> {
    let asked = uri.query().and_then(|query| {
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix("fault="))
            .map(str::parse::<Fault>)
    });
    let fault = match asked {
        Some(Ok(fault)) => Some(fault),
        Some(Err(message)) => return text(StatusCode::BAD_REQUEST, message + "\n"),
        None => state
            .config
            .faults
            .iter()
            .find(|(at, _)| *at == n)
            .map(|(_, fault)| *fault),
    };
    if fault == Some(Fault::Stall) {
        // Longer than any client should wait; the client's timeout ends it.
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    tokio::time::sleep(state.config.latency).await;
    if let Some(Fault::Status(code)) = fault {
        let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return text(status, format!("injected fault: status {code}\n"));
    }

    let (width, height) = match parse_size(uri.path()) {
        Ok(size) => size,
        Err((status, message)) => return text(status, message),
    };
    let picture = match state.cached(width, height) {
        Some(picture) => Ok(picture),
        None => {
            // One turn to draw; whoever waited for it may find the picture drawn.
            let turns = if u64::from(width) * u64::from(height) <= SMALL_PIXELS {
                &state.drawing_small
            } else {
                &state.drawing
            };
            let _turn = turns.acquire().await;
            let state = state.clone();
            tokio::task::spawn_blocking(move || state.picture(width, height)).await
        }
    };
    let picture = {
        match picture {
            Ok(picture) => picture,
            Err(_) => {
                return text(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "could not draw the picture\n",
                );
            }
        }
    };
    let length = picture.len();
    let body: Pieces = match (fault, state.config.bandwidth) {
        (Some(Fault::Reset), _) => Box::pin(cut_off(picture.slice(..0))),
        (Some(Fault::Truncate), _) => Box::pin(cut_off(picture.slice(..length / 2))),
        (Some(Fault::Trickle), _) => Box::pin(trickle(picture, 1000)),
        (_, Some(bytes_per_second)) => Box::pin(trickle(picture, bytes_per_second)),
        (_, None) => Box::pin(in_pieces(picture)),
    };
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    let jpeg = header::HeaderValue::from_static("image/jpeg");
    headers.insert(header::CONTENT_TYPE, jpeg);
    headers.insert(header::CONTENT_LENGTH, length.into());
    response
}

/// A body that sends `part` and then fails, so that the server closes the connection
/// before the announced length: what a client sees when a connection is cut. The pause
/// lets the part reach the client before the cut.
fn cut_off(part: Bytes) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    futures_util::stream::unfold(Some(part), |part| async move {
        match part {
            Some(part) => Some((Ok(part), None)),
            None => {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let error =
                    std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "injected fault");
                Some((Err(error), None))
            }
        }
    })
}

/// Reads `/{width}/{height}`; anything else is a 404, a bad size a 400.
fn parse_size(path: &str) -> Result<(u32, u32), (StatusCode, String)> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let [width, height] = parts[..] else {
        return Err((
            StatusCode::NOT_FOUND,
            format!("not found: {path} (try /200/3000)\n"),
        ));
    };
    let side = |text: &str, what: &str| match text.parse::<u32>() {
        Ok(n) if (1..=MAX_SIDE).contains(&n) => Ok(n),
        _ => Err((
            StatusCode::BAD_REQUEST,
            format!("bad {what} {text:?}: expected a number from 1 to {MAX_SIDE}\n"),
        )),
    };
    Ok((side(width, "width")?, side(height, "height")?))
}

/// Sends `picture` in slices, about twenty a second, so that it takes as long as it
/// would over a link of `bytes_per_second`.
fn trickle(
    picture: Bytes,
    bytes_per_second: u64,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    const TICK: Duration = Duration::from_millis(50);
    let slice = usize::try_from(bytes_per_second / 20)
        .unwrap_or(usize::MAX)
        .max(1);
    futures_util::stream::unfold(picture, move |mut rest| async move {
        if rest.is_empty() {
            return None;
        }
        let chunk = rest.split_to(slice.min(rest.len()));
        tokio::time::sleep(TICK).await;
        Some((Ok(chunk), rest))
    })
}

/// Draws a picture: a colour gradient with some grain, so that it compresses about as
/// well as a photo (a 200x3000 picture is about 200 KB, like picsum's). Integer maths
/// only, so that it is quick even in a debug build.
pub fn draw_jpeg(width: u32, height: u32) -> Vec<u8> {
    let (w, h) = (width as usize, height as usize);
    // A table of repeatable grain (xorshift), reused along every row.
    let mut seed: u32 = 0x9e37_79b9 ^ width.wrapping_mul(31) ^ height;
    let grain: Vec<u8> = (0..4096)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            (seed % 48) as u8
        })
        .collect();
    let mut pixels = vec![0u8; w * h * 3];
    for (y, row) in pixels.chunks_exact_mut(w * 3).enumerate() {
        let red = 40 + 160 * y / h;
        let blue = 210 - 160 * y / h;
        let offset = (y * 97) % 4096;
        for (x, pixel) in row.chunks_exact_mut(3).enumerate() {
            let green = 60 + 140 * x * (h - y) / (w * h);
            let noise = grain[(offset + x) % 4096] as usize;
            pixel[0] = (red + noise).min(255) as u8;
            pixel[1] = (green + noise).min(255) as u8;
            pixel[2] = (blue + noise).min(255) as u8;
        }
    }
    let mut jpeg = Vec::new();
    let encoder = jpeg_encoder::Encoder::new(&mut jpeg, 85);
    // Sizes are at most MAX_SIDE, well inside what the encoder accepts (65535).
    let encoded = encoder.encode(
        &pixels,
        width as u16,
        height as u16,
        jpeg_encoder::ColorType::Rgb,
    );
    match encoded {
        Ok(()) => jpeg,
        Err(error) => panic!("drawing a {width}x{height} JPEG failed: {error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::Instant;

    fn get(server: &PictureServer, path: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let mut stream = TcpStream::connect(server.addr()).expect("connect");
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .expect("send");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("read");
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("headers end");
        let head = String::from_utf8_lossy(&raw[..split]).to_string();
        let mut lines = head.lines();
        let status = lines.next().expect("status line")[9..12]
            .parse()
            .expect("status");
        let headers = lines
            .filter_map(|l| l.split_once(": "))
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
            .collect();
        (status, headers, raw[split + 4..].to_vec())
    }

    fn quick() -> ServerConfig {
        ServerConfig {
            latency: Duration::from_millis(5),
            ..ServerConfig::default()
        }
    }

    #[test]
    fn serves_a_real_jpeg_of_the_asked_size() {
        let server = PictureServer::start(quick()).expect("start");
        let (status, headers, body) = get(&server, "/200/300");
        assert_eq!(status, 200);
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(header("content-type").as_deref(), Some("image/jpeg"));
        assert_eq!(header("content-length"), Some(body.len().to_string()));
        assert_eq!(crate::jpeg::size(&body), Some((200, 300)));
        assert_eq!(server.requests(), 1);
    }

    #[test]
    fn a_half_sent_request_is_closed_at_the_time_limit() {
        let server = PictureServer::start(ServerConfig {
            header_time_limit: Duration::from_millis(300),
            ..quick()
        })
        .expect("start");
        let mut stream = TcpStream::connect(server.addr()).expect("connect");
        stream
            .write_all(b"GET /200/300 HTTP/1.1\r\nHost: x\r\n")
            .expect("send");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("a read timeout");
        let started = Instant::now();
        let mut rest = Vec::new();
        // The server closes it (an answer or not): the read ends, well before 10 s.
        let _ = stream.read_to_end(&mut rest);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(get(&server, "/200/300").0, 200);
    }

    #[test]
    fn a_connection_beyond_the_limit_is_refused_with_its_reason() {
        let server = PictureServer::start(ServerConfig {
            max_connections: Some(3),
            ..quick()
        })
        .expect("start");
        let idle: Vec<TcpStream> = (0..3)
            .map(|_| TcpStream::connect(server.addr()).expect("connect"))
            .collect();
        // Let the server accept all three before the fourth comes.
        thread::sleep(Duration::from_millis(200));
        let (status, _, body) = get(&server, "/200/300");
        assert_eq!(status, 503);
        assert!(
            String::from_utf8_lossy(&body).contains("too many connections"),
            "{}",
            String::from_utf8_lossy(&body)
        );
        assert_eq!(server.connections_refused(), 1);
        let logged = server.served();
        assert!(
            logged
                .iter()
                .any(|served| served.refused && served.status == 503),
            "the refusal is in the log as a request answered 503"
        );
        drop(idle);
        thread::sleep(Duration::from_millis(200));
        assert_eq!(get(&server, "/200/300").0, 200);
    }

    #[test]
    fn a_crowd_asking_for_a_new_size_has_it_drawn_once() {
        let server = PictureServer::start(quick()).expect("start");
        // The tutorial's picture is drawn in the background at the start: a request
        // for it waits for that drawing, which then is not counted below.
        assert_eq!(get(&server, "/200/3000").0, 200);
        let before = server.pictures_drawn();
        thread::scope(|scope| {
            let asked: Vec<_> = (0..8)
                .map(|_| scope.spawn(|| get(&server, "/1200/1300").0))
                .collect();
            for status in asked {
                assert_eq!(status.join().expect("a client thread"), 200);
            }
        });
        // With two turns to draw, at most the first two draw it; the rest find it drawn.
        let drawn = server.pictures_drawn() - before;
        assert!((1..=2).contains(&drawn), "drawn {drawn} times");
    }

    #[test]
    fn bad_paths_and_sizes_get_short_errors() {
        let server = PictureServer::start(quick()).expect("start");
        for path in ["/", "/200", "/a/b/c", "/favicon.ico"] {
            assert_eq!(get(&server, path).0, 404, "{path}");
        }
        for path in [
            "/0/10",
            "/10/0",
            "/x/10",
            "/-1/5",
            "/99999999999/1",
            "/5001/10",
        ] {
            let (status, _, body) = get(&server, path);
            assert_eq!(status, 400, "{path}");
            assert!(String::from_utf8_lossy(&body).starts_with("bad "), "{path}");
        }
        assert_eq!(server.requests(), 10);
        // Still answering after all that.
        assert_eq!(get(&server, "/20/20").0, 200);
    }

    #[test]
    fn serves_parallel_requests_at_the_same_time() {
        let server = PictureServer::start(ServerConfig {
            latency: Duration::from_millis(300),
            ..ServerConfig::default()
        })
        .expect("start");
        let intervals: Vec<(Instant, Instant)> = thread::scope(|scope| {
            let handles: Vec<_> = (0..10)
                .map(|_| {
                    scope.spawn(|| {
                        let start = Instant::now();
                        assert_eq!(get(&server, "/200/3000").0, 200);
                        (start, Instant::now())
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("request thread"))
                .collect()
        });
        // Served one after another, the tenth would start after the first ended.
        // Served concurrently, some moment lies inside all ten requests.
        let last_start = intervals.iter().map(|i| i.0).max().expect("ten");
        let first_end = intervals.iter().map(|i| i.1).min().expect("ten");
        assert!(last_start < first_end, "the ten requests did not overlap");
        assert_eq!(server.requests(), 10);
    }

    #[test]
    fn bandwidth_cap_sends_the_whole_picture() {
        let server = PictureServer::start(ServerConfig {
            latency: Duration::ZERO,
            bandwidth: Some(200_000),
            ..ServerConfig::default()
        })
        .expect("start");
        let (status, _, body) = get(&server, "/100/100");
        assert_eq!(status, 200);
        assert_eq!(crate::jpeg::size(&body), Some((100, 100)));
    }

    #[test]
    fn malformed_requests_do_not_stop_it() {
        let server = PictureServer::start(quick()).expect("start");
        for garbage in [
            &b"GARBAGE\r\n\r\n"[..],
            b"GET\r\n\r\n",
            b"\x00\x01\x02\xff",
            b"GET /200/3000 HTTP/9.9\r\n\r\n",
        ] {
            let mut stream = TcpStream::connect(server.addr()).expect("connect");
            stream.write_all(garbage).expect("send");
            let _ = stream.shutdown(std::net::Shutdown::Write);
            let mut answer = Vec::new();
            let _ = stream.read_to_end(&mut answer);
        }
        assert_eq!(get(&server, "/20/20").0, 200, "still answering");
    }

    #[test]
    fn a_few_hundred_concurrent_requests_all_get_their_picture() {
        let server = PictureServer::start(ServerConfig {
            latency: Duration::from_millis(50),
            ..ServerConfig::default()
        })
        .expect("start");
        let statuses: Vec<u16> = thread::scope(|scope| {
            let handles: Vec<_> = (0..300)
                .map(|_| scope.spawn(|| get(&server, "/64/64").0))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("request thread"))
                .collect()
        });
        assert!(statuses.iter().all(|status| *status == 200), "{statuses:?}");
        assert_eq!(server.requests(), 300);
    }

    #[test]
    fn faults_by_request_number_and_by_query() {
        let server = PictureServer::start(ServerConfig {
            faults: vec![(2, Fault::Status(503))],
            ..quick()
        })
        .expect("start");
        assert_eq!(get(&server, "/20/20").0, 200);
        assert_eq!(get(&server, "/20/20").0, 503);
        assert_eq!(get(&server, "/20/20").0, 200);
        assert_eq!(get(&server, "/20/20?fault=404").0, 404);
        assert_eq!(get(&server, "/20/20?fault=nonsense").0, 400);
        let (status, headers, body) = get(&server, "/200/300?fault=truncate");
        assert_eq!(status, 200);
        let announced: usize = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .map(|(_, v)| v.parse().expect("a number"))
            .expect("content-length");
        assert!(
            body.len() < announced,
            "{} of {announced} bytes",
            body.len()
        );
        assert_eq!("reset".parse::<Fault>(), Ok(Fault::Reset));
        assert!("200".parse::<Fault>().is_err(), "200 is not a fault");
    }

    /// A stalled answer the client gives up on ends when the client leaves, not when
    /// the run does: otherwise the log shows it overlapping every later request.
    #[test]
    fn a_stalled_request_ends_when_its_client_leaves() {
        let server = PictureServer::start(quick()).expect("start");
        let mut stream = TcpStream::connect(server.addr()).expect("connect");
        write!(
            stream,
            "GET /200/300?fault=stall HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        .expect("send");
        thread::sleep(Duration::from_millis(300));
        drop(stream);
        let left = Instant::now();
        let ended = loop {
            let served = server.log().served();
            if let Some(finished) = served.first().and_then(|s| s.finished) {
                break finished;
            }
            assert!(
                left.elapsed() < Duration::from_secs(5),
                "never ended: {served:?}"
            );
            thread::sleep(Duration::from_millis(10));
        };
        let late = ended.saturating_duration_since(left);
        assert!(
            late < Duration::from_millis(500),
            "ended {late:?} after the client left"
        );
        assert!(!server.log().served()[0].complete);
    }

    #[test]
    fn refuses_to_listen_beyond_loopback() {
        let result = PictureServer::start_on("0.0.0.0:0".parse().expect("addr"), quick());
        assert!(matches!(result, Err(ServerError::NotLoopback(_))));
    }

    #[test]
    fn a_large_picture_being_drawn_does_not_hold_up_a_ready_one() {
        let server = PictureServer::start(quick()).expect("starts");
        let finished = Arc::new(Mutex::new(Vec::new()));
        let large = {
            let (finished, addr) = (finished.clone(), server.addr());
            thread::spawn(move || {
                let mut stream = TcpStream::connect(addr).expect("connect");
                write!(
                    stream,
                    "GET /4000/4000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                )
                .expect("send");
                let mut raw = Vec::new();
                stream.read_to_end(&mut raw).expect("read");
                finished.lock().expect("lock").push("large");
            })
        };
        // Let the large picture's drawing begin, then ask for the tutorial's.
        thread::sleep(Duration::from_millis(50));
        let (status, _, _) = get(&server, "/200/3000");
        finished.lock().expect("lock").push("small");
        assert_eq!(status, 200);
        large.join().expect("the large request ends");
        assert_eq!(*finished.lock().expect("lock"), ["small", "large"]);
    }

    /// Issue 24, item 13: a crowd of large new sizes takes every turn to draw a large
    /// picture; a small new size is drawn on a turn of its own, not after them.
    #[test]
    fn a_small_new_size_does_not_wait_behind_large_drawings() {
        let server = PictureServer::start(quick()).expect("starts");
        let finished = Arc::new(Mutex::new(Vec::new()));
        let large: Vec<_> = (0..3)
            .map(|i| {
                let (finished, addr) = (finished.clone(), server.addr());
                thread::spawn(move || {
                    let mut stream = TcpStream::connect(addr).expect("connect");
                    let ask = format!("GET /4000/{} HTTP/1.1\r\nHost: x\r\n", 4000 + i);
                    write!(stream, "{ask}Connection: close\r\n\r\n").expect("send");
                    let mut raw = Vec::new();
                    stream.read_to_end(&mut raw).expect("read");
                    finished.lock().expect("lock").push("large");
                })
            })
            .collect();
        thread::sleep(Duration::from_millis(50));
        let (status, _, _) = get(&server, "/200/301");
        finished.lock().expect("lock").push("small");
        assert_eq!(status, 200);
        for request in large {
            request.join().expect("the large request ends");
        }
        assert_eq!(finished.lock().expect("lock")[0], "small");
    }

    #[test]
    fn the_cache_keeps_a_bounded_number_of_sizes() {
        let server = PictureServer::start(quick()).expect("starts");
        for side in 1..=(CACHED_SIZES as u32 + 5) {
            let (status, _, _) = get(&server, &format!("/{side}/{side}"));
            assert_eq!(status, 200);
        }
        assert!(server.state.cache().len() <= CACHED_SIZES);
        assert!(server.state.cache().contains_key(&(200, 3000)));
    }

    #[test]
    fn jpeg_reads_the_size_of_a_drawn_picture_and_refuses_a_cut_one() {
        let jpeg = draw_jpeg(40, 30);
        assert_eq!(crate::jpeg::size(&jpeg), Some((40, 30)));
        assert_eq!(crate::jpeg::size(&jpeg[..jpeg.len() - 10]), None);
    }

    #[test]
    fn the_tutorials_picture_is_photo_sized() {
        let jpeg = draw_jpeg(200, 3000);
        assert!(
            (50_000..400_000).contains(&jpeg.len()),
            "{} bytes",
            jpeg.len()
        );
    }
}
