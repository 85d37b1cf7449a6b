//! Structured errors that cross the C ABI: a stable code, a message, and gRPC status details for
//! RPC failures. Serialised as JSON (see the crate README for the shape).

use base64::Engine as _;
use std::{cell::RefCell, fmt};

/// Stable error codes. The numbers are part of the C ABI: never renumber.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum ErrorCode {
    InvalidArgument = 1,
    InvalidHandle = 2,
    InvalidBuffer = 3,
    ConnectFailed = 4,
    RpcError = 5,
    ShutDown = 6,
    WorkerError = 7,
    IllegalState = 8,
    Panic = 9,
}

impl ErrorCode {
    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::InvalidArgument => "INVALID_ARGUMENT",
            ErrorCode::InvalidHandle => "INVALID_HANDLE",
            ErrorCode::InvalidBuffer => "INVALID_BUFFER",
            ErrorCode::ConnectFailed => "CONNECT_FAILED",
            ErrorCode::RpcError => "RPC_ERROR",
            ErrorCode::ShutDown => "SHUT_DOWN",
            ErrorCode::WorkerError => "WORKER_ERROR",
            ErrorCode::IllegalState => "ILLEGAL_STATE",
            ErrorCode::Panic => "PANIC",
        }
    }
}

/// The gRPC status attached to an RPC failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrpcStatus {
    pub code: i32,
    pub message: String,
    /// Encoded `google.rpc.Status` details, as the server sent them.
    pub details: Vec<u8>,
}

impl From<&tonic::Status> for GrpcStatus {
    fn from(status: &tonic::Status) -> Self {
        GrpcStatus {
            code: status.code() as i32,
            message: status.message().to_owned(),
            details: status.details().to_vec(),
        }
    }
}

/// Why sdk-core refused a workflow activation completion (`CompleteWfError`), as data: the host
/// reads these fields, never the message text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RejectedCompletion {
    /// `"MALFORMED_COMPLETION"` (a bug in the host's completion) or `"WORKFLOWS_NOT_ENABLED"`.
    pub kind: &'static str,
    /// The run the completion was for (empty when core did not say).
    pub run_id: String,
    /// Core's reason, as it wrote it.
    pub reason: String,
}

/// An error reported to the host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BridgeError {
    pub code: ErrorCode,
    pub message: String,
    /// Boxed, as is the next field, so that a `BridgeResult` stays small (clippy's `result_large_err`).
    pub grpc: Option<Box<GrpcStatus>>,
    /// Set when sdk-core refused a workflow activation completion.
    pub rejected_completion: Option<Box<RejectedCompletion>>,
    /// The innermost cause of a connection failure (e.g. the operating system's
    /// "Connection refused (os error 111)"), taken from the error's source chain.
    pub cause: Option<String>,
    /// The URL a connection failure was for, as the bridge dialled it (`https://…` when TLS is on),
    /// credentials removed.
    pub target: Option<String>,
}

pub type BridgeResult<T> = Result<T, BridgeError>;

impl BridgeError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        BridgeError {
            code,
            message: message.into(),
            grpc: None,
            rejected_completion: None,
            cause: None,
            target: None,
        }
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidArgument, message)
    }

    pub fn illegal_state(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::IllegalState, message)
    }

    pub fn worker(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::WorkerError, message)
    }

    /// An RPC that the server answered with a non-OK status.
    pub fn rpc(context: &str, status: &tonic::Status) -> Self {
        Self::new(
            ErrorCode::RpcError,
            format!(
                "{context} failed: {} ({:?})",
                status.message(),
                status.code()
            ),
        )
        .with_grpc(status)
    }

    /// Attaches the gRPC status the failure came from.
    pub fn with_grpc(mut self, status: &tonic::Status) -> Self {
        self.grpc = Some(Box::new(status.into()));
        self
    }

    /// Attaches the innermost error of `error`'s source chain as the failure's cause.
    pub fn with_root_cause(mut self, error: &(dyn std::error::Error + 'static)) -> Self {
        let mut innermost = error;
        while let Some(source) = innermost.source() {
            innermost = source;
        }
        self.cause = Some(innermost.to_string());
        self
    }

    pub fn to_json(&self) -> String {
        let mut value = serde_json::json!({
            "code": self.code.name(),
            "codeNumber": self.code as i32,
            "message": self.message,
        });
        if let Some(grpc) = &self.grpc {
            value["grpcCode"] = grpc.code.into();
            value["grpcMessage"] = grpc.message.clone().into();
            value["grpcDetails"] = base64::engine::general_purpose::STANDARD
                .encode(&grpc.details)
                .into();
        }
        if let Some(rejected) = &self.rejected_completion {
            value["rejectedCompletion"] = serde_json::json!({
                "kind": rejected.kind,
                "runId": rejected.run_id,
                "reason": rejected.reason,
            });
        }
        if let Some(cause) = &self.cause {
            value["cause"] = cause.clone().into();
        }
        if let Some(target) = &self.target {
            value["target"] = target.clone().into();
        }
        value.to_string()
    }
}

impl fmt::Display for BridgeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.name(), self.message)
    }
}

impl std::error::Error for BridgeError {}

thread_local! {
    static LAST_ERROR: RefCell<Option<BridgeError>> = const { RefCell::new(None) };
}

/// Records `error` as this thread's last error and returns its code, for synchronous failures.
pub fn set_last_error(error: BridgeError) -> i32 {
    let code = error.code as i32;
    LAST_ERROR.with(|slot| *slot.borrow_mut() = Some(error));
    code
}

pub fn take_last_error() -> Option<BridgeError> {
    LAST_ERROR.with(|slot| slot.borrow_mut().take())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpc_errors_carry_the_grpc_status_and_base64_details() {
        let status = tonic::Status::with_details(
            tonic::Code::NotFound,
            "no such workflow",
            vec![1, 2, 3].into(),
        );
        let error = BridgeError::rpc("DescribeWorkflowExecution", &status);
        assert_eq!(error.code, ErrorCode::RpcError);
        let json: serde_json::Value = serde_json::from_str(&error.to_json()).unwrap();
        assert_eq!(json["code"], "RPC_ERROR");
        assert_eq!(json["codeNumber"], 5);
        assert_eq!(json["grpcCode"], tonic::Code::NotFound as i32);
        assert_eq!(json["grpcMessage"], "no such workflow");
        assert_eq!(json["grpcDetails"], "AQID");
        assert!(json["message"]
            .as_str()
            .unwrap()
            .contains("DescribeWorkflowExecution"));
    }

    #[test]
    fn plain_errors_have_no_grpc_fields() {
        let json: serde_json::Value =
            serde_json::from_str(&BridgeError::invalid_argument("bad").to_json()).unwrap();
        assert_eq!(json["code"], "INVALID_ARGUMENT");
        assert!(json.get("grpcCode").is_none());
    }

    #[test]
    fn rejected_completions_and_causes_are_fields_of_their_own() {
        let mut error = BridgeError::worker("completing the workflow activation failed");
        error.rejected_completion = Some(Box::new(RejectedCompletion {
            kind: "MALFORMED_COMPLETION",
            run_id: "run-1".to_owned(),
            reason: "Workflow completion had empty status field".to_owned(),
        }));
        #[derive(Debug)]
        struct Wrapper(std::io::Error);
        impl fmt::Display for Wrapper {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "transport error")
            }
        }
        impl std::error::Error for Wrapper {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let outer = Wrapper(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "refused here",
        ));
        let mut error = error.with_root_cause(&outer);
        error.target = Some("https://h:1/".to_owned());
        let json: serde_json::Value = serde_json::from_str(&error.to_json()).unwrap();
        assert_eq!(json["rejectedCompletion"]["kind"], "MALFORMED_COMPLETION");
        assert_eq!(json["rejectedCompletion"]["runId"], "run-1");
        assert_eq!(
            json["rejectedCompletion"]["reason"],
            "Workflow completion had empty status field"
        );
        assert_eq!(json["cause"], "refused here");
        assert_eq!(json["target"], "https://h:1/");
    }

    #[test]
    fn last_error_is_taken_once() {
        assert_eq!(
            set_last_error(BridgeError::illegal_state("x")),
            ErrorCode::IllegalState as i32
        );
        assert_eq!(take_last_error().unwrap().message, "x");
        assert!(take_last_error().is_none());
    }
}
