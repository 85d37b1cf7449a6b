//! Opaque handles. A handle is a number below 2^53 (so it survives a JS `number`) made of a kind
//! tag, a generation and a slot index. Looking one up checks all three, so a freed handle, a handle
//! of another kind or a made-up number is an error instead of a dangling pointer.

use crate::error::{BridgeError, BridgeResult, ErrorCode};
use parking_lot::Mutex;
use std::sync::Arc;

/// What a handle refers to. The tag is part of the handle's bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandleKind {
    Runtime = 1,
    Client = 2,
    Worker = 3,
    Metric = 4,
}

impl HandleKind {
    fn name(self) -> &'static str {
        match self {
            HandleKind::Runtime => "runtime",
            HandleKind::Client => "client",
            HandleKind::Worker => "worker",
            HandleKind::Metric => "metric",
        }
    }
}

const INDEX_BITS: u32 = 32;
const GENERATION_BITS: u32 = 16;
const KIND_SHIFT: u32 = INDEX_BITS + GENERATION_BITS;

struct Slot<T> {
    generation: u16,
    value: Option<Arc<T>>,
}

/// A table of live objects of one kind.
pub struct HandleTable<T> {
    kind: HandleKind,
    slots: Mutex<(Vec<Slot<T>>, Vec<u32>)>,
}

impl<T> HandleTable<T> {
    pub const fn new(kind: HandleKind) -> Self {
        HandleTable {
            kind,
            slots: Mutex::new((Vec::new(), Vec::new())),
        }
    }

    pub fn insert(&self, value: Arc<T>) -> u64 {
        let mut guard = self.slots.lock();
        let (slots, free) = &mut *guard;
        let index = match free.pop() {
            Some(index) => index,
            None => {
                slots.push(Slot {
                    generation: 0,
                    value: None,
                });
                (slots.len() - 1) as u32
            }
        };
        let slot = &mut slots[index as usize];
        // Generation 0 is never handed out, so handle 0 is never valid.
        slot.generation = slot.generation.wrapping_add(1).max(1);
        slot.value = Some(value);
        encode(self.kind, slot.generation, index)
    }

    pub fn get(&self, handle: u64) -> BridgeResult<Arc<T>> {
        let (generation, index) = self.decode(handle)?;
        let guard = self.slots.lock();
        match guard.0.get(index as usize) {
            Some(Slot {
                generation: g,
                value: Some(value),
            }) if *g == generation => Ok(value.clone()),
            _ => Err(self.stale(handle)),
        }
    }

    /// Removes the object from the table; it is dropped once the last in-flight call lets go.
    pub fn remove(&self, handle: u64) -> BridgeResult<Arc<T>> {
        let (generation, index) = self.decode(handle)?;
        let mut guard = self.slots.lock();
        let (slots, free) = &mut *guard;
        match slots.get_mut(index as usize) {
            Some(slot) if slot.generation == generation && slot.value.is_some() => {
                free.push(index);
                Ok(slot.value.take().expect("checked above"))
            }
            _ => Err(self.stale(handle)),
        }
    }

    fn decode(&self, handle: u64) -> BridgeResult<(u16, u32)> {
        let kind = handle >> KIND_SHIFT;
        if kind != self.kind as u64 {
            let actual = match kind {
                1 => "a runtime handle",
                2 => "a client handle",
                3 => "a worker handle",
                4 => "a metric handle",
                _ => "not a handle",
            };
            return Err(BridgeError::new(
                ErrorCode::InvalidHandle,
                format!(
                    "expected a {} handle, got {handle} ({actual})",
                    self.kind.name()
                ),
            ));
        }
        let generation = ((handle >> INDEX_BITS) & ((1 << GENERATION_BITS) - 1)) as u16;
        Ok((generation, (handle & u32::MAX as u64) as u32))
    }

    fn stale(&self, handle: u64) -> BridgeError {
        BridgeError::new(
            ErrorCode::InvalidHandle,
            format!(
                "{} handle {handle} is not live (already freed?)",
                self.kind.name()
            ),
        )
    }
}

fn encode(kind: HandleKind, generation: u16, index: u32) -> u64 {
    ((kind as u64) << KIND_SHIFT) | ((generation as u64) << INDEX_BITS) | index as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_fit_in_a_js_number_and_are_never_zero() {
        let table = HandleTable::new(HandleKind::Worker);
        let handle = table.insert(Arc::new(1));
        assert_ne!(handle, 0);
        assert!(handle < (1u64 << 53));
    }

    #[test]
    fn a_freed_handle_is_refused_even_after_its_slot_is_reused() {
        let table = HandleTable::new(HandleKind::Client);
        let first = table.insert(Arc::new("a"));
        table.remove(first).unwrap();
        let second = table.insert(Arc::new("b"));
        assert_ne!(first, second);
        assert_eq!(table.get(first).unwrap_err().code, ErrorCode::InvalidHandle);
        assert_eq!(
            table.remove(first).unwrap_err().code,
            ErrorCode::InvalidHandle
        );
        assert_eq!(*table.get(second).unwrap(), "b");
    }

    #[test]
    fn a_handle_of_another_kind_or_a_made_up_number_is_refused() {
        let workers = HandleTable::new(HandleKind::Worker);
        let clients: HandleTable<i32> = HandleTable::new(HandleKind::Client);
        let worker = workers.insert(Arc::new(7));
        let error = clients.get(worker).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidHandle);
        assert!(error.message.contains("worker handle"), "{}", error.message);
        assert_eq!(clients.get(0).unwrap_err().code, ErrorCode::InvalidHandle);
        assert_eq!(
            clients.get(12345).unwrap_err().code,
            ErrorCode::InvalidHandle
        );
        assert_eq!(
            clients.get(u64::MAX).unwrap_err().code,
            ErrorCode::InvalidHandle
        );
    }
}
