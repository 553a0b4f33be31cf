//! A queue between processes, like Python's `multiprocessing.Queue`: children put
//! messages, the parent gets them.
//!
//! A child's message travels as one line on its stdout (see `wire`); the parent's
//! reader thread for that child puts it into the [`Queue`] the child was started with
//! (`Process::queue`). Unlike Python's queue, a message is text: what a process sends
//! another is always copied and serialised, and text keeps that in sight.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crate::wire::{self, Message};

/// The parent's end of the queue. Cloning gives another handle to the same queue.
#[derive(Clone, Default)]
pub struct Queue {
    inner: Arc<(Mutex<VecDeque<String>>, Condvar)>,
}

impl Queue {
    pub fn new() -> Queue {
        Queue::default()
    }

    /// Adds a message (the parent's own, or one that arrived from a child).
    pub fn put(&self, message: String) {
        let (queue, arrived) = &*self.inner;
        queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push_back(message);
        arrived.notify_one();
    }

    /// Takes the oldest message, waiting up to `timeout` for one, like Python's
    /// `queue.get(timeout=...)`. `None` if nothing came in time.
    pub fn get(&self, timeout: Duration) -> Option<String> {
        let (queue, arrived) = &*self.inner;
        let queue = queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (mut queue, _) = arrived
            .wait_timeout_while(queue, timeout, |queue| queue.is_empty())
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        queue.pop_front()
    }
}

/// In a child process: puts a message on the queue its parent started it with, like
/// Python's `queue.put(...)`. One line per message: line breaks become spaces.
pub fn put_to_parent(message: &str) {
    wire::send(&Message::Queue(message.to_string()));
}
