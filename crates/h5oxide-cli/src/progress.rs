//! A byte-counting progress bar on stderr, shown only when stderr is a terminal and the job
//! has already taken more than a moment (short jobs and pipes print nothing).

use std::cell::RefCell;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a job runs before its bar appears.
const DELAY: Duration = Duration::from_millis(800);

/// Progress of a job of a known number of bytes.
pub struct Progress {
    total: u64,
    done: RefCell<u64>,
    start: Instant,
    enabled: bool,
    bar: RefCell<Option<ProgressBar>>,
}

impl Progress {
    /// Progress over `total` bytes; silent unless stderr is a terminal and `total` is known
    /// (not 0).
    pub fn new(total: u64) -> Progress {
        Progress {
            total,
            done: RefCell::new(0),
            start: Instant::now(),
            enabled: total > 0 && std::io::stderr().is_terminal(),
            bar: RefCell::new(None),
        }
    }

    /// Counts `n` more bytes done.
    pub fn add(&self, n: u64) {
        let done = {
            let mut d = self.done.borrow_mut();
            *d = d.saturating_add(n);
            *d
        };
        if !self.enabled {
            return;
        }
        let mut bar = self.bar.borrow_mut();
        if bar.is_none() && self.start.elapsed() >= DELAY {
            let b = ProgressBar::with_draw_target(Some(self.total), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(
                "{bar:40} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} ETA {eta}",
            ) {
                b.set_style(style);
            }
            *bar = Some(b);
        }
        if let Some(b) = bar.as_ref() {
            b.set_position(done.min(self.total));
        }
    }

    /// Removes the bar, if one was drawn.
    pub fn finish(&self) {
        if let Some(b) = self.bar.borrow_mut().take() {
            b.finish_and_clear();
        }
    }
}
