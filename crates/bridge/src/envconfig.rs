//! Temporal's environment configuration: `TEMPORAL_*` variables and the profiles of
//! `temporal.toml`, resolved by sdk-core's own `temporalio_common::envconfig` (the code the official
//! SDKs wrap), so that this SDK reads a profile exactly as the `temporal` CLI and the other SDKs do.
//!
//! The host sends what to read (JSON); the bridge answers with the resolved profile (JSON). What
//! the bridge adds on top of core is input hygiene only: variables set to an empty string count as
//! unset (except `TEMPORAL_GRPC_META_*`, where empty removes a header), a boolean variable that is
//! not a boolean is an error instead of being ignored, and error messages name the file and the
//! profiles it has. Turning a profile into connection options (TLS on for an API key, reading
//! certificate files) is the host's job, as in the official SDKs.

use crate::{
    buffers,
    error::{BridgeError, BridgeResult},
};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use temporalio_common::envconfig::{
    load_client_config, load_client_config_profile, ClientConfigProfile, ClientConfigTLS,
    ConfigError, DataSource, LoadClientConfigOptions, LoadClientConfigProfileOptions,
};

/// Prefix of the variables core reads; the others never reach it.
const VARIABLE_PREFIX: &str = "TEMPORAL_";
/// Prefix of the gRPC metadata variables, where an empty value means "remove this header".
const GRPC_META_PREFIX: &str = "TEMPORAL_GRPC_META_";
/// The boolean variables core reads (it ignores a value that is not a boolean; we refuse it).
const BOOLEAN_VARIABLES: &[&str] = &["TEMPORAL_TLS", "TEMPORAL_TLS_DISABLE_HOST_VERIFICATION"];

/// What to read: the request of [tbs_envconfig_load_profile].
#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoadProfileRequest {
    /// Profile name; default `$TEMPORAL_PROFILE`, else `default`. A profile named here or in the
    /// variable must exist.
    #[serde(default)]
    pub profile: Option<String>,
    /// Path of the config file; default `$TEMPORAL_CONFIG_FILE`, else the OS's
    /// `<config dir>/temporalio/temporal.toml`. A missing file is an empty one.
    #[serde(default)]
    pub config_file: Option<String>,
    /// The config file's TOML text itself, instead of a path.
    #[serde(default)]
    pub config_data: Option<String>,
    /// The environment to read instead of the process's (names to values).
    #[serde(default)]
    pub env: Option<HashMap<String, String>>,
    #[serde(default)]
    pub disable_file: bool,
    #[serde(default)]
    pub disable_env: bool,
    /// Refuse unknown keys in the config file.
    #[serde(default)]
    pub config_file_strict: bool,
}

/// The environment as core should see it: only `TEMPORAL_*` variables, empty values dropped except
/// for gRPC metadata, booleans checked.
fn normalized_environment(
    env: Option<HashMap<String, String>>,
) -> BridgeResult<HashMap<String, String>> {
    let variables: Vec<(String, String)> = match env {
        Some(map) => map.into_iter().collect(),
        // A variable that is not UTF-8 cannot be a Temporal setting: skip it rather than fail.
        None => std::env::vars_os()
            .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
            .collect(),
    };
    let environment: HashMap<String, String> = variables
        .into_iter()
        .filter(|(name, value)| {
            name.starts_with(VARIABLE_PREFIX)
                && (!value.is_empty() || name.starts_with(GRPC_META_PREFIX))
        })
        .collect();
    for name in BOOLEAN_VARIABLES {
        if let Some(value) = environment.get(*name) {
            if !matches!(value.to_lowercase().as_str(), "true" | "false" | "1" | "0") {
                return Err(BridgeError::invalid_argument(format!(
                    "{name} must be true or false (or 1 or 0), got {value:?}"
                )));
            }
        }
    }
    Ok(environment)
}

fn config_source(request: &LoadProfileRequest) -> BridgeResult<Option<DataSource>> {
    match (&request.config_file, &request.config_data) {
        (Some(_), Some(_)) => Err(BridgeError::invalid_argument(
            "configFile and configData: give one config source, not both",
        )),
        (Some(path), None) => Ok(Some(DataSource::Path(path.clone()))),
        (None, Some(data)) => Ok(Some(DataSource::Data(data.clone().into_bytes()))),
        (None, None) => Ok(None),
    }
}

/// The config file as a message names it.
fn config_description(request: &LoadProfileRequest, env: &HashMap<String, String>) -> String {
    if let Some(path) = &request.config_file {
        return path.clone();
    }
    if request.config_data.is_some() {
        return "the config data".to_owned();
    }
    match env.get("TEMPORAL_CONFIG_FILE") {
        Some(path) => format!("{path} (TEMPORAL_CONFIG_FILE)"),
        None => "the default config file (<config dir>/temporalio/temporal.toml)".to_owned(),
    }
}

/// Core's error, with the file it concerns and what to do.
fn describe_error(
    error: ConfigError,
    request: &LoadProfileRequest,
    env: &HashMap<String, String>,
) -> BridgeError {
    let file = config_description(request, env);
    let message = match error {
        ConfigError::ProfileNotFound(name) => {
            let mut known: Vec<String> = config_source(request)
                .ok()
                .and_then(|source| {
                    let options = LoadClientConfigOptions::builder()
                        .maybe_config_source(source)
                        .config_file_strict(request.config_file_strict)
                        .build();
                    load_client_config(options, Some(env)).ok()
                })
                .map(|config| config.profiles.into_keys().collect())
                .unwrap_or_default();
            known.sort();
            let has = if known.is_empty() {
                "it has no profiles".to_owned()
            } else {
                format!("it has: {}", known.join(", "))
            };
            format!(
                "profile \"{name}\" was not found in {file} ({has}): add [profile.{name}] to it, \
                 or choose another profile (TEMPORAL_PROFILE)"
            )
        }
        ConfigError::InvalidConfig(reason) if request.disable_file => {
            format!("invalid Temporal configuration (TEMPORAL_* variables): {reason}")
        }
        ConfigError::InvalidConfig(reason) => {
            format!(
                "invalid Temporal configuration ({file} and the TEMPORAL_* variables): {reason}"
            )
        }
        ConfigError::LoadError(cause) => {
            if let Some(io) = cause.downcast_ref::<std::io::Error>() {
                format!("could not read the Temporal config file {file}: {io}")
            } else if let Some(utf8) = cause.downcast_ref::<std::str::Utf8Error>() {
                format!("the Temporal config file {file} is not UTF-8 text: {utf8}")
            } else {
                format!("{file} is not valid TOML for a Temporal config file: {cause}")
            }
        }
    };
    BridgeError::invalid_argument(message)
}

fn data_source_json(source: &DataSource) -> Value {
    match source {
        DataSource::Path(path) => json!({ "path": path }),
        DataSource::Data(data) => json!({ "data": String::from_utf8_lossy(data) }),
        // `DataSource` is non-exhaustive; a kind core adds later is reported, not guessed at.
        other => json!({ "unsupported": format!("{other:?}") }),
    }
}

fn tls_json(tls: &ClientConfigTLS) -> Value {
    let mut object = Map::new();
    if let Some(disabled) = tls.disabled {
        object.insert("disabled".into(), disabled.into());
    }
    for (key, source) in [
        ("clientCert", &tls.client_cert),
        ("clientKey", &tls.client_key),
        ("serverCaCert", &tls.server_ca_cert),
    ] {
        if let Some(source) = source {
            object.insert(key.into(), data_source_json(source));
        }
    }
    if let Some(server_name) = &tls.server_name {
        object.insert("serverName".into(), server_name.clone().into());
    }
    object.insert(
        "disableHostVerification".into(),
        tls.disable_host_verification.into(),
    );
    Value::Object(object)
}

/// The profile as JSON: absent keys were configured nowhere.
pub fn profile_json(profile: &ClientConfigProfile) -> Value {
    let mut object = Map::new();
    for (key, value) in [
        ("address", &profile.address),
        ("namespace", &profile.namespace),
        ("apiKey", &profile.api_key),
    ] {
        if let Some(value) = value {
            object.insert(key.into(), value.clone().into());
        }
    }
    if let Some(tls) = &profile.tls {
        object.insert("tls".into(), tls_json(tls));
    }
    if let Some(codec) = &profile.codec {
        let mut codec_object = Map::new();
        if let Some(endpoint) = &codec.endpoint {
            codec_object.insert("endpoint".into(), endpoint.clone().into());
        }
        if let Some(auth) = &codec.auth {
            codec_object.insert("auth".into(), auth.clone().into());
        }
        object.insert("codec".into(), Value::Object(codec_object));
    }
    // Sorted, so that the answer does not depend on a hash map's order.
    let metadata: std::collections::BTreeMap<_, _> = profile.grpc_meta.iter().collect();
    object.insert("grpcMeta".into(), json!(metadata));
    Value::Object(object)
}

/// Resolves one profile: the config file's, then the environment over it.
pub fn load_profile(request_json: &[u8]) -> BridgeResult<Value> {
    let mut request: LoadProfileRequest = serde_json::from_slice(request_json).map_err(|e| {
        BridgeError::invalid_argument(format!("env config request: invalid JSON: {e}"))
    })?;
    // With the environment disabled, no variable is read, TEMPORAL_CONFIG_FILE included.
    let env = if request.disable_env {
        HashMap::new()
    } else {
        normalized_environment(request.env.take())?
    };
    let options = LoadClientConfigProfileOptions::builder()
        .maybe_config_source(config_source(&request)?)
        .maybe_config_file_profile(request.profile.clone())
        .config_file_strict(request.config_file_strict)
        .disable_file(request.disable_file)
        .disable_env(request.disable_env)
        .build();
    match load_client_config_profile(options, Some(&env)) {
        Ok(profile) => Ok(profile_json(&profile)),
        Err(ConfigError::InvalidConfig(reason)) if request.disable_file && request.disable_env => {
            Err(BridgeError::invalid_argument(format!(
                "disableFile and disableEnv: {reason}"
            )))
        }
        Err(error) => Err(describe_error(error, &request, &env)),
    }
}

/// Resolves a Temporal connection profile with sdk-core's envconfig.
///
/// `request` (borrowed for the call) is UTF-8 JSON: `profile`, `configFile` or `configData`, `env`
/// (a string map read instead of the process's environment), `disableFile`, `disableEnv`,
/// `configFileStrict` (all optional; unknown keys are refused). Synchronous: it reads the config
/// file, and no other I/O.
///
/// Returns NUL-terminated UTF-8 JSON, the profile (`address`, `namespace`, `apiKey`, `tls`,
/// `codec`, `grpcMeta`; absent keys were configured nowhere), which the caller frees with
/// `tbs_bytes_free`. On failure returns null and sets the thread's last error
/// (`INVALID_ARGUMENT`: malformed request, bad TOML, unknown profile, conflicting settings).
///
/// # Safety
/// `request` must be valid for reads of `request_len` bytes (or `request_len` must be 0).
#[no_mangle]
pub unsafe extern "C" fn tbs_envconfig_load_profile(
    request: *const u8,
    request_len: usize,
) -> *mut u8 {
    // `guard::handle` answers 0 (and sets the last error) on failure or panic; on success the
    // value is the address of the exported JSON, never 0 since it holds at least its NUL.
    crate::guard::handle(|| {
        let request = unsafe { buffers::borrow(request, request_len)? };
        let profile = load_profile(request)?;
        Ok(buffers::export_c_string(&profile.to_string()) as u64)
    }) as usize as *mut u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn load(request: Value) -> BridgeResult<Value> {
        load_profile(request.to_string().as_bytes())
    }

    const CONFIG: &str = r#"
[profile.default]
address = "toml-server:7233"
namespace = "toml-ns"
api_key = "toml-key"
[profile.default.grpc_meta]
x_custom = "value"
[profile.custom]
address = "custom-server:9090"
"#;

    #[test]
    fn the_environment_overrides_the_profile_and_empty_variables_are_unset() {
        let profile = load(json!({
            "configData": CONFIG,
            "env": { "TEMPORAL_ADDRESS": "env:1", "TEMPORAL_NAMESPACE": "",
                     "TEMPORAL_GRPC_META_X_CUSTOM": "", "TEMPORAL_GRPC_META_OTHER_KEY": "v",
                     "HOME": "/ignored" },
        }))
        .unwrap();
        assert_eq!(
            profile,
            json!({ "address": "env:1", "namespace": "toml-ns", "apiKey": "toml-key",
                    "grpcMeta": { "other-key": "v" } })
        );
    }

    #[test]
    fn an_unknown_profile_names_the_profiles_there_are() {
        let error =
            load(json!({ "configData": CONFIG, "profile": "staging", "env": {} })).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidArgument);
        assert!(
            error
                .message
                .contains("\"staging\" was not found in the config data (it has: custom, default)"),
            "{}",
            error.message
        );
    }

    #[test]
    fn a_boolean_variable_that_is_not_a_boolean_is_refused() {
        let error =
            load(json!({ "disableFile": true, "env": { "TEMPORAL_TLS": "yes" } })).unwrap_err();
        assert!(error.message.contains("TEMPORAL_TLS must be true or false"));
        let profile = load(json!({ "disableFile": true, "env": { "TEMPORAL_TLS": "0" } })).unwrap();
        assert_eq!(
            profile["tls"],
            json!({ "disabled": true, "disableHostVerification": false })
        );
    }

    #[test]
    fn a_conflict_names_where_it_can_come_from() {
        let both =
            json!({ "TEMPORAL_TLS_CLIENT_CERT_PATH": "/a", "TEMPORAL_TLS_CLIENT_CERT_DATA": "b" });
        let error = load(json!({ "disableFile": true, "env": both.clone() })).unwrap_err();
        assert!(
            error.message.starts_with(
                "invalid Temporal configuration (TEMPORAL_* variables): Cannot specify both"
            ),
            "{}",
            error.message
        );
        let error = load(json!({ "configFile": "/nonexistent/t.toml", "env": both })).unwrap_err();
        assert!(
            error.message.starts_with(
                "invalid Temporal configuration (/nonexistent/t.toml and the TEMPORAL_* variables)"
            ),
            "{}",
            error.message
        );
    }

    #[test]
    fn tls_sources_are_paths_or_data() {
        let profile = load(json!({
            "configData": "[profile.default.tls]\nclient_cert_path = \"/c.pem\"\nserver_ca_cert_data = \"CA\"\n",
            "env": { "TEMPORAL_TLS_CLIENT_KEY_DATA": "KEY", "TEMPORAL_TLS_SERVER_NAME": "sni" },
        }))
        .unwrap();
        assert_eq!(
            profile["tls"],
            json!({ "clientCert": { "path": "/c.pem" }, "clientKey": { "data": "KEY" },
                    "serverCaCert": { "data": "CA" }, "serverName": "sni",
                    "disableHostVerification": false })
        );
    }

    #[test]
    fn malformed_toml_and_requests_are_invalid_arguments() {
        let error = load(json!({ "configData": "[profile.default\n", "env": {} })).unwrap_err();
        assert!(
            error.message.contains("is not valid TOML"),
            "{}",
            error.message
        );
        let error = load(json!({ "unknownKey": 1 })).unwrap_err();
        assert!(error.message.contains("unknown field"), "{}", error.message);
        let error = load(json!({ "disableFile": true, "disableEnv": true })).unwrap_err();
        assert!(
            error.message.contains("disableFile and disableEnv"),
            "{}",
            error.message
        );
    }

    #[test]
    fn disabling_the_environment_ignores_temporal_config_file_too() {
        let profile = load(json!({
            "disableEnv": true,
            "env": { "TEMPORAL_CONFIG_FILE": "/nonexistent/but/ignored.toml" },
            "configData": CONFIG,
        }))
        .unwrap();
        assert_eq!(profile["address"], "toml-server:7233");
    }

    #[test]
    fn the_export_returns_json_freed_once_or_null_with_the_last_error() {
        let request = br#"{"disableFile":true,"env":{"TEMPORAL_ADDRESS":"h:1"}}"#;
        let pointer = unsafe { tbs_envconfig_load_profile(request.as_ptr(), request.len()) };
        assert!(!pointer.is_null());
        let text = unsafe { std::ffi::CStr::from_ptr(pointer as *const std::ffi::c_char) };
        let value: Value = serde_json::from_str(text.to_str().unwrap()).unwrap();
        assert_eq!(value, json!({ "address": "h:1", "grpcMeta": {} }));
        assert!(buffers::release(pointer as usize).is_ok());

        let pointer = unsafe { tbs_envconfig_load_profile(b"{".as_ptr(), 1) };
        assert!(pointer.is_null());
        let error = crate::error::take_last_error().unwrap();
        assert_eq!(error.code, ErrorCode::InvalidArgument);
    }
}
