//! The client: a connection to the Temporal service (address, TLS/mTLS, API key, metadata) and a
//! generic unary RPC call for WorkflowService and OperatorService with protobuf bytes in and out.

use crate::{
    error::{BridgeError, BridgeResult, ErrorCode},
    handles::{HandleKind, HandleTable},
    runtime::BridgeRuntime,
};
use base64::Engine as _;
use prost::Message;
use serde::Deserialize;
use std::{collections::HashMap, sync::Arc, time::Duration};
use temporalio_client::{
    errors::ClientConnectError, request_extensions::RetryConfigForCall, ClientTlsOptions,
    Connection, ConnectionOptions, GrpcCompression, HttpConnectProxyOptions, RetryOptions,
    TlsOptions, Url,
};

pub static CLIENTS: HandleTable<BridgeClient> = HandleTable::new(HandleKind::Client);

pub struct BridgeClient {
    /// Keeps the runtime (and its tokio threads) alive while the client exists.
    pub runtime: Arc<BridgeRuntime>,
    pub connection: Connection,
    /// Whether the connection uses TLS: an API key is never sent over one that does not.
    pub secure: bool,
}

#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientOptionsJson {
    pub address: String,
    /// Required, as is `connectTimeoutMs`: their defaults live in the host (`src/common/defaults.ts`
    /// of the TypeScript package), never here. (A connection has no namespace: every RPC names its own.)
    pub identity: String,
    #[serde(default)]
    pub api_key: Option<String>,
    #[serde(default)]
    pub metadata: Option<HashMap<String, String>>,
    #[serde(default)]
    pub tls: Option<TlsJson>,
    pub connect_timeout_ms: u64,
    #[serde(default)]
    pub client_name: Option<String>,
    #[serde(default)]
    pub client_version: Option<String>,
    /// `"gzip"` or `"none"`; default: none for a loopback address, gzip otherwise.
    #[serde(default)]
    pub grpc_compression: Option<String>,
    /// An HTTP CONNECT proxy to reach the server through.
    #[serde(default)]
    pub proxy: Option<ProxyJson>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProxyJson {
    /// `"http-connect"`, the one kind there is.
    #[serde(rename = "type")]
    pub kind: String,
    /// The proxy: `host:port`, `http://host:port` or `unix:/path`.
    pub target_host: String,
    #[serde(default)]
    pub basic_auth: Option<BasicAuthJson>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BasicAuthJson {
    pub username: String,
    pub password: String,
}

/// sdk-core's proxy options from the host's, checked; `secrets` gains the proxy's credentials.
fn proxy_options(
    proxy: ProxyJson,
    secrets: &mut Vec<String>,
) -> BridgeResult<HttpConnectProxyOptions> {
    if proxy.kind != "http-connect" {
        return Err(BridgeError::invalid_argument(format!(
            "proxy.type must be \"http-connect\", got {:?}",
            proxy.kind
        )));
    }
    let target = proxy
        .target_host
        .strip_prefix("http://")
        .unwrap_or(&proxy.target_host)
        .trim_end_matches('/')
        .to_owned();
    let has_port = target
        .rsplit_once(':')
        .is_some_and(|(_, port)| port.parse::<u16>().is_ok());
    if !(target.starts_with("unix:/") || has_port) || target.contains('@') {
        return Err(BridgeError::invalid_argument(format!(
            "proxy.targetHost must be host:port, http://host:port or unix:/path (credentials go in basicAuth), got {:?}",
            redact_userinfo(&proxy.target_host)
        )));
    }
    let basic_auth = match proxy.basic_auth {
        None => None,
        Some(auth) => {
            if auth.username.is_empty()
                || [&auth.username, &auth.password]
                    .iter()
                    .any(|part| part.contains(':') || part.contains('@'))
            {
                return Err(BridgeError::invalid_argument(
                    "proxy.basicAuth: the username must not be empty, and neither it nor the password may contain ':' or '@'",
                ));
            }
            secrets.push(auth.username.clone());
            secrets.push(auth.password.clone());
            Some((auth.username, auth.password))
        }
    };
    Ok(HttpConnectProxyOptions::new(target)
        .maybe_basic_auth(basic_auth)
        .build())
}

#[derive(Deserialize, Debug)]
#[serde(untagged)]
pub enum TlsJson {
    Enabled(bool),
    Config(TlsConfigJson),
}

#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TlsConfigJson {
    #[serde(default)]
    pub server_root_ca_cert: Option<String>,
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub client_cert: Option<String>,
    #[serde(default)]
    pub client_private_key: Option<String>,
}

/// Everything [Connection::connect] needs, decoded and checked before any I/O.
#[derive(Debug)]
pub struct ConnectPlan {
    pub options: ConnectionOptions,
    /// The connection uses TLS.
    pub secure: bool,
    /// Strings never to echo in an error: the address's user and password, the API key.
    pub secrets: Vec<String>,
}

/// Why an API key is refused on a plaintext connection (it travels as `authorization: Bearer`).
const PLAINTEXT_API_KEY: &str = "an API key is sent as a bearer token and would travel in clear over this plaintext connection; \
     connect with TLS (tls: true, or an https:// address) to use an API key";

/// `address` with any `user:password@` replaced, for error messages.
fn redact_userinfo(address: &str) -> String {
    let authority_start = address.find("://").map_or(0, |index| index + 3);
    let authority_end = address[authority_start..]
        .find('/')
        .map_or(address.len(), |index| authority_start + index);
    match address[authority_start..authority_end].rfind('@') {
        Some(at) => format!(
            "{}***@{}",
            &address[..authority_start],
            &address[authority_start + at + 1..]
        ),
        None => address.to_owned(),
    }
}

/// `message` with every secret (credentials of the address, the API key) replaced by `***`.
fn scrub(message: String, secrets: &[String]) -> String {
    secrets
        .iter()
        .filter(|secret| !secret.is_empty())
        .fold(message, |message, secret| {
            message.replace(secret.as_str(), "***")
        })
}

/// gRPC metadata split into text headers and binary (`-bin`) headers.
type SplitMetadata = (HashMap<String, String>, HashMap<String, Vec<u8>>);

fn split_metadata(metadata: HashMap<String, String>) -> BridgeResult<SplitMetadata> {
    let mut text = HashMap::new();
    let mut binary = HashMap::new();
    for (key, value) in metadata {
        if key.ends_with("-bin") {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(&value)
                .map_err(|e| {
                    BridgeError::invalid_argument(format!(
                        "metadata[{key}]: binary metadata values must be base64: {e}"
                    ))
                })?;
            binary.insert(key, bytes);
        } else {
            text.insert(key, value);
        }
    }
    Ok((text, binary))
}

pub fn plan_connect(json: &[u8]) -> BridgeResult<ConnectPlan> {
    let options: ClientOptionsJson = serde_json::from_slice(json)
        .map_err(|e| BridgeError::invalid_argument(format!("invalid client options: {e}")))?;
    if options.address.trim().is_empty() {
        return Err(BridgeError::invalid_argument(
            "address must not be empty (e.g. \"localhost:7233\")",
        ));
    }
    let tls_configured = options.tls.is_some();
    let tls = match options.tls {
        None | Some(TlsJson::Enabled(false)) => None,
        Some(TlsJson::Enabled(true)) => Some(TlsOptions::default()),
        Some(TlsJson::Config(config)) => {
            let client_tls_options = match (config.client_cert, config.client_private_key) {
                (Some(cert), Some(key)) => Some(
                    ClientTlsOptions::builder()
                        .client_cert(cert.into_bytes())
                        .client_private_key(key.into_bytes())
                        .build(),
                ),
                (None, None) => None,
                _ => {
                    return Err(BridgeError::invalid_argument(
                        "tls.clientCert and tls.clientPrivateKey must be given together (mTLS)",
                    ))
                }
            };
            let mut tls = TlsOptions::default();
            tls.server_root_ca_cert = config.server_root_ca_cert.map(String::into_bytes);
            tls.domain = config.domain;
            tls.client_tls_options = client_tls_options;
            Some(tls)
        }
    };
    let api_key = options.api_key.clone().filter(|key| !key.is_empty());
    let explicit_scheme = options
        .address
        .split_once("://")
        .map(|(scheme, _)| scheme.to_ascii_lowercase());
    // An API key turns TLS on (system roots) unless TLS was configured: that is how Temporal
    // Cloud is reached, and what the official SDKs do. A key on a connection that is plaintext
    // by choice is refused rather than sent in clear.
    let tls = match (tls, &api_key, tls_configured, explicit_scheme.as_deref()) {
        (None, Some(_), false, None | Some("https")) => Some(TlsOptions::default()),
        (tls, _, _, _) => tls,
    };
    let secure = tls.is_some();
    if api_key.is_some() && (!secure || explicit_scheme.as_deref() == Some("http")) {
        return Err(BridgeError::invalid_argument(PLAINTEXT_API_KEY));
    }
    let shown_address = redact_userinfo(&options.address);
    let address = if explicit_scheme.is_some() {
        options.address.clone()
    } else {
        format!(
            "{}://{}",
            if secure { "https" } else { "http" },
            options.address
        )
    };
    let target = Url::parse(&address).map_err(|e| {
        BridgeError::invalid_argument(format!(
            "address {shown_address:?} is not a valid host:port or URL: {e}"
        ))
    })?;
    if target.port_or_known_default().is_none() || target.host_str().is_none() {
        return Err(BridgeError::invalid_argument(format!(
            "address {shown_address:?} needs a host and a port"
        )));
    }
    let mut secrets: Vec<String> = [target.username(), target.password().unwrap_or("")]
        .into_iter()
        .filter(|secret| !secret.is_empty())
        .map(str::to_owned)
        .collect();
    secrets.extend(api_key.clone());
    let (headers, binary_headers) = split_metadata(options.metadata.unwrap_or_default())?;
    let grpc_compression = match options.grpc_compression.as_deref() {
        // Compressing costs ~0.7 ms of CPU per workflow (measured in bench/) and saves nothing on
        // a loopback link; over a real network it saves bandwidth, so it stays on there.
        None if is_loopback(&target) => GrpcCompression::None,
        None | Some("gzip") => GrpcCompression::Gzip,
        Some("none") => GrpcCompression::None,
        Some(other) => {
            return Err(BridgeError::invalid_argument(format!(
                "grpcCompression must be \"gzip\" or \"none\", got {other:?}"
            )))
        }
    };
    let proxy = options
        .proxy
        .map(|proxy| proxy_options(proxy, &mut secrets))
        .transpose()?;
    let connection_options = ConnectionOptions::new(target)
        // sdk-core refuses DNS load balancing together with a proxy (the proxy resolves the server).
        .maybe_dns_load_balancing(proxy.is_some().then_some(None))
        .maybe_http_connect_proxy(proxy)
        .identity(options.identity)
        .maybe_tls_options(tls)
        .maybe_api_key(api_key)
        .connect_timeout(Duration::from_millis(options.connect_timeout_ms))
        .headers(headers)
        .binary_headers(binary_headers)
        .client_name(
            options
                .client_name
                .unwrap_or_else(|| "temporal-bun-sdk".to_owned()),
        )
        .grpc_compression(grpc_compression)
        .client_version(
            options
                .client_version
                .unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_owned()),
        )
        .build();
    Ok(ConnectPlan {
        options: connection_options,
        secure,
        secrets,
    })
}

fn is_loopback(target: &Url) -> bool {
    match target.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Connects, bounded by the connect timeout (the whole of it: TCP, TLS and the server's first
/// answer; also when the server accepts TCP but never answers). Errors never echo credentials.
pub async fn connect(plan: ConnectPlan) -> BridgeResult<(Connection, bool)> {
    let mut shown_target = plan.options.target.clone();
    let _ = shown_target.set_username("");
    let _ = shown_target.set_password(None);
    let target = shown_target.to_string();
    let deadline = plan
        .options
        .connect_timeout
        .expect("plan_connect always sets the connect timeout");
    let connecting = Connection::connect(plan.options);
    let connection = match tokio::time::timeout(deadline, connecting).await {
        Err(_) => {
            let mut error = BridgeError::new(
                ErrorCode::ConnectFailed,
                format!("could not connect to {target}: no answer within {} ms; is a Temporal server running there?", deadline.as_millis()),
            );
            error.cause = Some(format!("no answer within {} ms", deadline.as_millis()));
            error.target = Some(target);
            return Err(error);
        }
        Ok(Err(error)) => {
            let mut error = connect_error(&target, error);
            error.message = scrub(error.message, &plan.secrets);
            error.cause = error.cause.map(|cause| scrub(cause, &plan.secrets));
            if error.code == ErrorCode::ConnectFailed {
                error.target = Some(target);
            }
            return Err(error);
        }
        Ok(Ok(connection)) => connection,
    };
    Ok((connection, plan.secure))
}

fn connect_error(target: &str, error: ClientConnectError) -> BridgeError {
    match error {
        ClientConnectError::InvalidUri(e) => {
            BridgeError::invalid_argument(format!("invalid address {target}: {e}"))
        }
        ClientConnectError::InvalidHeaders(e) => {
            BridgeError::invalid_argument(format!("invalid metadata: {e}"))
        }
        ClientConnectError::InvalidConfig(e) => {
            BridgeError::invalid_argument(format!("invalid client options: {e}"))
        }
        ClientConnectError::SystemInfoCallError(status) => {
            let mut error = BridgeError::rpc("GetSystemInfo", &status);
            error.code = ErrorCode::ConnectFailed;
            error.message = format!(
                "connected to {target} but the server did not answer GetSystemInfo: {}",
                status.message()
            );
            error.cause = Some(status.message().to_owned());
            if std::error::Error::source(&status).is_some() {
                error = error.with_root_cause(&status);
            }
            error
        }
        other => {
            // Core's text for a transport failure is Rust debug output; the innermost error of its
            // source chain ("Connection refused (os error 111)") is what the host shows.
            let error =
                BridgeError::new(ErrorCode::ConnectFailed, String::new()).with_root_cause(&other);
            let cause = error.cause.clone().unwrap_or_default();
            BridgeError {
                message: format!("could not connect to {target}: {cause}; is a Temporal server running there (check the address, TLS and API key)?"),
                ..error
            }
        }
    }
}

/// Which gRPC service an RPC belongs to (the `service` argument of `tbs_client_rpc`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Workflow = 1,
    Operator = 2,
}

impl Service {
    pub fn from_number(n: u32) -> BridgeResult<Self> {
        match n {
            1 => Ok(Service::Workflow),
            2 => Ok(Service::Operator),
            _ => Err(BridgeError::invalid_argument(format!(
                "service must be 1 (WorkflowService) or 2 (OperatorService), got {n}"
            ))),
        }
    }
}

pub struct CallOptions {
    pub timeout: Option<Duration>,
    pub retry: bool,
}

fn prepare<T>(message: T, options: &CallOptions) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    if let Some(timeout) = options.timeout {
        request.set_timeout(timeout);
    }
    if !options.retry {
        let mut no_retry = RetryOptions::default();
        no_retry.max_retries = 0;
        no_retry.max_elapsed_time = Some(Duration::ZERO);
        request
            .extensions_mut()
            .insert(RetryConfigForCall(no_retry));
    }
    request
}

fn decode<T: Message + Default>(method: &str, bytes: &[u8]) -> BridgeResult<T> {
    T::decode(bytes).map_err(|e| {
        BridgeError::invalid_argument(format!(
            "{method}: the request is not a valid protobuf message: {e}"
        ))
    })
}

/// Checks that `method` exists on `service`, so a typo fails synchronously.
pub fn check_method(service: Service, method: &str) -> BridgeResult<()> {
    macro_rules! names {
        ($(($name:ident, $rust:ident, $req:ident)),* $(,)?) => { &[$(stringify!($name)),*] };
    }
    let known: &[&str] = match service {
        Service::Workflow => crate::for_each_workflow_service_rpc!(names),
        Service::Operator => crate::for_each_operator_service_rpc!(names),
    };
    if known.contains(&method) {
        Ok(())
    } else {
        Err(BridgeError::invalid_argument(format!(
            "unknown {} method {method:?} (use the proto name, e.g. \"StartWorkflowExecution\")",
            if service == Service::Workflow {
                "WorkflowService"
            } else {
                "OperatorService"
            }
        )))
    }
}

/// Makes one unary RPC. `request` is the encoded request message; returns the encoded response.
pub async fn call(
    connection: &Connection,
    service: Service,
    method: &str,
    request: Vec<u8>,
    options: CallOptions,
) -> BridgeResult<Vec<u8>> {
    use crate::rpc_methods::{operator, workflow};
    macro_rules! dispatch {
        ($client:expr, $module:ident; $(($name:ident, $rust:ident, $req:ident)),* $(,)?) => {{
            let mut client = $client;
            match method {
                $(stringify!($name) => {
                    let message: $module::$req = decode(method, &request)?;
                    client.$rust(prepare(message, &options)).await
                        .map(|response| response.into_inner().encode_to_vec())
                        .map_err(|status| BridgeError::rpc(method, &status))
                })*
                _ => Err(BridgeError::invalid_argument(format!("unknown method {method:?}"))),
            }
        }};
    }
    macro_rules! workflow_dispatch {
        ($($t:tt)*) => { dispatch!(connection.workflow_service(), workflow; $($t)*) };
    }
    macro_rules! operator_dispatch {
        ($($t:tt)*) => { dispatch!(connection.operator_service(), operator; $($t)*) };
    }
    match service {
        Service::Workflow => crate::for_each_workflow_service_rpc!(workflow_dispatch),
        Service::Operator => crate::for_each_operator_service_rpc!(operator_dispatch),
    }
}

pub fn update_metadata(client: &BridgeClient, json: &[u8]) -> BridgeResult<()> {
    let metadata: HashMap<String, String> = serde_json::from_slice(json).map_err(|e| {
        BridgeError::invalid_argument(format!("metadata must be a JSON object of strings: {e}"))
    })?;
    let (text, binary) = split_metadata(metadata)?;
    client
        .connection
        .set_headers(text)
        .map_err(|e| BridgeError::invalid_argument(format!("invalid metadata: {e}")))?;
    client
        .connection
        .set_binary_headers(binary)
        .map_err(|e| BridgeError::invalid_argument(format!("invalid binary metadata: {e}")))
}

/// Connects a client (async). `options` (borrowed) is JSON, see the crate README. The answer to
/// `request_id` is a client handle, or a `CONNECT_FAILED` / `INVALID_ARGUMENT` error.
///
/// # Safety
/// `options` must be valid for reads of `options_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn tbs_client_connect(
    runtime: u64,
    options: *const u8,
    options_len: usize,
    request_id: u64,
) -> i32 {
    crate::guard::status(|| {
        let runtime = crate::runtime::RUNTIMES.get(runtime)?;
        let mut plan = plan_connect(unsafe { crate::buffers::borrow(options, options_len)? })?;
        // Core's client metrics (request counts and latencies) on the runtime's exporter.
        plan.options.metrics_meter = runtime.temporal_meter();
        let for_client = runtime.clone();
        crate::guard::spawn_request(
            &runtime.tokio(),
            runtime.channel.clone(),
            request_id,
            async move {
                let (connection, secure) = connect(plan).await?;
                let client = BridgeClient {
                    runtime: for_client,
                    connection,
                    secure,
                };
                Ok(crate::channel::Completion::Handle(
                    CLIENTS.insert(Arc::new(client)),
                ))
            },
        );
        Ok(())
    })
}

/// Makes a unary RPC (async). `service`: 1 WorkflowService, 2 OperatorService. `method` is the
/// proto method name; `request` the encoded request message (both borrowed). `timeout_ms` 0 means
/// no deadline; `retry` 1 retries transient failures. The answer is the encoded response.
///
/// # Safety
/// `method` and `request` must be valid for reads of their lengths.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn tbs_client_rpc(
    client: u64,
    service: u32,
    method: *const u8,
    method_len: usize,
    request: *const u8,
    request_len: usize,
    timeout_ms: u32,
    retry: u32,
    request_id: u64,
) -> i32 {
    crate::guard::status(|| {
        let client = CLIENTS.get(client)?;
        let service = Service::from_number(service)?;
        let method =
            unsafe { crate::buffers::borrow_str(method, method_len, "method")? }.to_owned();
        check_method(service, &method)?;
        let request = unsafe { crate::buffers::borrow(request, request_len)? }.to_vec();
        let options = CallOptions {
            timeout: (timeout_ms > 0).then(|| Duration::from_millis(timeout_ms as u64)),
            retry: retry != 0,
        };
        let connection = client.connection.clone();
        crate::guard::spawn_request(
            &client.runtime.tokio(),
            client.runtime.channel.clone(),
            request_id,
            async move {
                call(&connection, service, &method, request, options)
                    .await
                    .map(crate::channel::Completion::Bytes)
            },
        );
        Ok(())
    })
}

/// Replaces the extra gRPC metadata sent with every call. `json` (borrowed) is a string map;
/// keys ending in `-bin` take base64 values.
///
/// # Safety
/// `json` must be valid for reads of `json_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn tbs_client_update_metadata(
    client: u64,
    json: *const u8,
    json_len: usize,
) -> i32 {
    crate::guard::status(|| {
        let client = CLIENTS.get(client)?;
        update_metadata(&client, unsafe { crate::buffers::borrow(json, json_len)? })
    })
}

/// Replaces the API key (borrowed UTF-8); a zero length removes it. A key for a client whose
/// connection is plaintext is refused (`INVALID_ARGUMENT`): it would travel in clear.
///
/// # Safety
/// `key` must be valid for reads of `key_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn tbs_client_update_api_key(
    client: u64,
    key: *const u8,
    key_len: usize,
) -> i32 {
    crate::guard::status(|| {
        let client = CLIENTS.get(client)?;
        let key = unsafe { crate::buffers::borrow_str(key, key_len, "apiKey")? };
        if !key.is_empty() && !client.secure {
            return Err(BridgeError::invalid_argument(PLAINTEXT_API_KEY));
        }
        client
            .connection
            .set_api_key((!key.is_empty()).then(|| key.to_owned()));
        Ok(())
    })
}

/// Releases a client handle. Workers created from it keep their own connection.
#[no_mangle]
pub extern "C" fn tbs_client_free(client: u64) -> i32 {
    crate::guard::status(|| CLIENTS.remove(client).map(drop))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`super::plan_connect`] with the keys the host always sends filled in where a test leaves
    /// them out (`every_default_comes_from_the_host` checks that the real one requires them).
    fn plan_connect(json: &[u8]) -> BridgeResult<ConnectPlan> {
        let mut value: serde_json::Value = serde_json::from_slice(json).unwrap();
        for (key, default) in [
            ("identity", serde_json::json!("123@test-host")),
            ("connectTimeoutMs", serde_json::json!(10_000)),
        ] {
            if value.get(key).is_none() {
                value[key] = default;
            }
        }
        super::plan_connect(value.to_string().as_bytes())
    }

    #[test]
    fn every_default_comes_from_the_host() {
        let full = r#"{"address":"h:1","identity":"1@h","connectTimeoutMs":5}"#;
        super::plan_connect(full.as_bytes()).unwrap();
        for key in ["identity", "connectTimeoutMs"] {
            let mut value: serde_json::Value = serde_json::from_str(full).unwrap();
            value.as_object_mut().unwrap().remove(key);
            let error = super::plan_connect(value.to_string().as_bytes()).unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidArgument);
            assert!(
                error.message.contains(&format!("missing field `{key}`")),
                "{key}: {}",
                error.message
            );
        }
    }

    #[test]
    fn a_bare_host_port_becomes_an_http_url_and_tls_or_an_api_key_makes_it_https() {
        let plan = plan_connect(br#"{"address":"127.0.0.1:7233"}"#).unwrap();
        assert_eq!(plan.options.target.as_str(), "http://127.0.0.1:7233/");
        let plan = plan_connect(br#"{"address":"x.tmprl.cloud:7233","apiKey":"k"}"#).unwrap();
        assert_eq!(plan.options.target.scheme(), "https");
        let plan = plan_connect(br#"{"address":"h:1","tls":true}"#).unwrap();
        assert!(plan.options.tls_options.is_some());
    }

    #[test]
    fn an_api_key_turns_tls_on_and_is_refused_on_a_connection_that_is_plaintext_by_choice() {
        let plan = plan_connect(br#"{"address":"x.tmprl.cloud:7233","apiKey":"k"}"#).unwrap();
        assert!(plan.secure);
        assert!(plan.options.tls_options.is_some());
        assert_eq!(plan.options.target.scheme(), "https");
        let plan =
            plan_connect(br#"{"address":"https://x.tmprl.cloud:7233","apiKey":"k"}"#).unwrap();
        assert!(plan.options.tls_options.is_some());
        for json in [
            r#"{"address":"h:7233","apiKey":"k","tls":false}"#,
            r#"{"address":"http://h:7233","apiKey":"k"}"#,
        ] {
            let error = plan_connect(json.as_bytes()).unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidArgument);
            assert!(error.message.contains("plaintext"), "{}", error.message);
        }
        let plan = plan_connect(br#"{"address":"h:7233"}"#).unwrap();
        assert!(!plan.secure);
        // An empty key is no key.
        assert!(
            !plan_connect(br#"{"address":"h:7233","apiKey":""}"#)
                .unwrap()
                .secure
        );
    }

    #[test]
    fn credentials_in_the_address_are_never_echoed() {
        assert_eq!(
            redact_userinfo("http://alice:s3cret@h:7233/x"),
            "http://***@h:7233/x"
        );
        assert_eq!(redact_userinfo("alice:s3cret@h:7233"), "***@h:7233");
        assert_eq!(redact_userinfo("h:7233"), "h:7233");
        let error = plan_connect(br#"{"address":"http://alice:s3cret@:7233"}"#).unwrap_err();
        assert!(!error.message.contains("s3cret"), "{}", error.message);
        let plan = plan_connect(br#"{"address":"http://alice:s3cret@h:7233"}"#).unwrap();
        assert_eq!(plan.secrets, vec!["alice".to_owned(), "s3cret".to_owned()]);
        assert_eq!(
            scrub(
                "bad uri http://alice:s3cret@h:7233".to_owned(),
                &plan.secrets
            ),
            "bad uri http://***:***@h:7233"
        );
    }

    #[test]
    fn compression_is_off_on_loopback_and_gzip_elsewhere_unless_chosen() {
        let compression = |json: &str| {
            plan_connect(json.as_bytes())
                .unwrap()
                .options
                .grpc_compression
        };
        assert_eq!(
            compression(r#"{"address":"127.0.0.1:7233"}"#),
            GrpcCompression::None
        );
        assert_eq!(
            compression(r#"{"address":"localhost:7233"}"#),
            GrpcCompression::None
        );
        assert_eq!(
            compression(r#"{"address":"[::1]:7233"}"#),
            GrpcCompression::None
        );
        assert_eq!(
            compression(r#"{"address":"temporal.internal:7233"}"#),
            GrpcCompression::Gzip
        );
        assert_eq!(
            compression(r#"{"address":"127.0.0.1:7233","grpcCompression":"gzip"}"#),
            GrpcCompression::Gzip
        );
        assert_eq!(
            compression(r#"{"address":"example.com:7233","grpcCompression":"none"}"#),
            GrpcCompression::None
        );
        let error = plan_connect(br#"{"address":"h:1","grpcCompression":"zstd"}"#).unwrap_err();
        assert!(
            error.message.contains("grpcCompression"),
            "{}",
            error.message
        );
    }

    #[test]
    fn mtls_needs_both_the_certificate_and_the_key() {
        let error = plan_connect(br#"{"address":"h:1","tls":{"clientCert":"c"}}"#).unwrap_err();
        assert!(
            error.message.contains("clientPrivateKey"),
            "{}",
            error.message
        );
        let plan = plan_connect(
            br#"{"address":"h:1","tls":{"clientCert":"c","clientPrivateKey":"k","domain":"d"}}"#,
        )
        .unwrap();
        let tls = plan.options.tls_options.unwrap();
        assert_eq!(tls.domain.as_deref(), Some("d"));
        assert_eq!(tls.client_tls_options.unwrap().client_cert, b"c");
    }

    #[test]
    fn bad_client_options_name_what_is_wrong() {
        assert!(plan_connect(br#"{"address":""}"#)
            .unwrap_err()
            .message
            .contains("address"));
        assert!(plan_connect(br#"{"adress":"h:1"}"#)
            .unwrap_err()
            .message
            .contains("adress"));
        let error = plan_connect(br#"{"address":"h:1","metadata":{"x-bin":"***"}}"#).unwrap_err();
        assert!(error.message.contains("x-bin"), "{}", error.message);
        assert_eq!(error.code, ErrorCode::InvalidArgument);
    }

    #[test]
    fn metadata_and_timeouts_are_applied() {
        let plan = plan_connect(br#"{"address":"h:1","metadata":{"a":"1","b-bin":"AQI="},"connectTimeoutMs":250,"identity":"me"}"#).unwrap();
        assert_eq!(plan.options.headers.unwrap()["a"], "1");
        assert_eq!(plan.options.binary_headers.unwrap()["b-bin"], vec![1, 2]);
        assert_eq!(
            plan.options.connect_timeout,
            Some(Duration::from_millis(250))
        );
        assert_eq!(plan.options.identity, "me");
    }

    #[test]
    fn rpc_methods_are_checked_by_proto_name() {
        assert!(check_method(Service::Workflow, "StartWorkflowExecution").is_ok());
        assert!(check_method(Service::Operator, "ListSearchAttributes").is_ok());
        assert!(check_method(Service::Workflow, "ListSearchAttributes").is_err());
        assert!(check_method(Service::Workflow, "start_workflow_execution").is_err());
        assert!(Service::from_number(3).is_err());
    }
}
