//! Reading with several parsing threads: the calling thread reads the
//! input in pieces and hands each to the next free parsing thread, with
//! the state the pieces before it are guessed to end in
//! ([`State::guess_after`]); the parsed pieces come back in any order and
//! are merged in input order on the calling thread ([`Merger`]), which
//! parses a piece again in the rare case its guessed state was wrong. At
//! most [`PIECES_PER_THREAD`] pieces per thread (and two more) are in
//! memory at once.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::mpsc::{channel, sync_channel};
use std::sync::Mutex;

use super::{parse_piece, Entry, Interner, Merger, Parsed, Pieces, State};
use crate::Error;

/// Pieces in flight per parsing thread.
pub(crate) const PIECES_PER_THREAD: usize = 2;

/// A piece to parse: its place in the input, its bytes and the state it
/// is parsed from.
struct Job {
    index: u64,
    start: State,
    buf: Vec<u8>,
    len: usize,
    last: bool,
}

/// A piece parsed, with its bytes (for a parse again).
struct Done {
    index: u64,
    parsed: Parsed,
    buf: Vec<u8>,
    len: usize,
    last: bool,
}

/// Reads `pieces` with `threads` parsing threads, merging them in order
/// with `merger` and calling `f` as [`SampleReader::for_each`](super::SampleReader::for_each) does.
pub(crate) fn for_each<R: Read>(
    pieces: &mut Pieces<R>,
    merger: &mut Merger,
    threads: usize,
    f: &mut impl FnMut(Entry, u64) -> Result<(), Error>,
) -> Result<(), Error> {
    let pool = threads * PIECES_PER_THREAD + 2;
    let (job_tx, job_rx) = sync_channel::<Job>(pool);
    let job_rx = Mutex::new(job_rx);
    let (done_tx, done_rx) = channel::<Done>();
    std::thread::scope(|scope| {
        for t in 0..threads {
            let done_tx = done_tx.clone();
            let job_rx = &job_rx;
            scope.spawn(move || {
                // Context 0 is the merger's own.
                let mut interner = Interner::new(t + 1);
                loop {
                    let job = match job_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok(job) = job else { return };
                    let parsed =
                        parse_piece(&mut interner, job.start, &job.buf[..job.len], job.last);
                    let done = Done {
                        index: job.index,
                        parsed,
                        buf: job.buf,
                        len: job.len,
                        last: job.last,
                    };
                    if done_tx.send(done).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        let mut free: Vec<Vec<u8>> = (0..pool).map(|_| Vec::new()).collect();
        let mut guess = State::default();
        let (mut sent, mut merged) = (0u64, 0u64);
        let mut reading = true;
        let mut waiting: BTreeMap<u64, Done> = BTreeMap::new();
        let result = 'run: loop {
            while reading {
                let Some(mut buf) = free.pop() else { break };
                match pieces.next_into(&mut buf) {
                    Err(e) => break 'run Err(e),
                    Ok(None) => {
                        reading = false;
                        free.push(buf);
                    }
                    Ok(Some((len, last))) => {
                        let start = guess.clone();
                        guess.guess_after(&buf[..len]);
                        let job = Job {
                            index: sent,
                            start,
                            buf,
                            len,
                            last,
                        };
                        if job_tx.send(job).is_err() {
                            break 'run Err(stopped());
                        }
                        sent += 1;
                        reading = !last;
                    }
                }
            }
            if merged == sent {
                if reading {
                    continue;
                }
                break Ok(());
            }
            let Ok(done) = done_rx.recv() else {
                break Err(stopped());
            };
            waiting.insert(done.index, done);
            while let Some(d) = waiting.remove(&merged) {
                if let Err(e) = merger.merge(d.parsed, &d.buf[..d.len], d.last, f) {
                    break 'run Err(e);
                }
                free.push(d.buf);
                merged += 1;
            }
        };
        // The threads end once the queue is closed (or their next result
        // has nowhere to go).
        drop(job_tx);
        drop(done_rx);
        result
    })
}

fn stopped() -> Error {
    Error::Invalid("a parsing thread stopped".into())
}
