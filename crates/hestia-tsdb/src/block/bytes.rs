//! Byte-level helpers shared by the block files: a bounds-checked
//! [`Cursor`] that reports the offset of what it could not read,
//! CRC-checked sections (`u32 len ‖ body ‖ crc32c(body)`), and writing
//! and syncing files and directories.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use crate::chunk::bstream::{put_uvarint, read_uvarint, unzigzag, zigzag};
use crate::Error;

/// Where a decoder found damage, relative to the start of its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fault {
    pub(crate) offset: u64,
    pub(crate) reason: &'static str,
}

impl Fault {
    /// The error for `file` of `block`.
    pub(crate) fn into_error(self, block: &str, file: &str) -> Error {
        Error::CorruptBlock {
            block: block.to_string(),
            file: file.to_string(),
            offset: self.offset,
            reason: self.reason.to_string(),
        }
    }
}

/// Reads integers and strings from a byte slice that starts at byte
/// `base` of its file. Never panics; a short or malformed read is a
/// [`Fault`] at the offset where it started.
#[derive(Debug, Clone)]
pub(crate) struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    base: u64,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(buf: &'a [u8], base: u64) -> Cursor<'a> {
        Cursor { buf, pos: 0, base }
    }

    /// The file offset of the next byte.
    pub(crate) fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// The bytes not read yet.
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    /// Bytes left.
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    pub(crate) fn fault(&self, reason: &'static str) -> Fault {
        Fault {
            offset: self.offset(),
            reason,
        }
    }

    pub(crate) fn uvarint(&mut self, what: &'static str) -> Result<u64, Fault> {
        let at = self.fault(what);
        read_uvarint(self.buf, &mut self.pos).ok_or(at)
    }

    /// A uvarint that must fit `usize` and be at most `max`.
    pub(crate) fn count(&mut self, max: usize, what: &'static str) -> Result<usize, Fault> {
        let at = self.fault(what);
        let n = self.uvarint(what)?;
        usize::try_from(n).ok().filter(|&n| n <= max).ok_or(at)
    }

    pub(crate) fn varint(&mut self, what: &'static str) -> Result<i64, Fault> {
        self.uvarint(what).map(unzigzag)
    }

    pub(crate) fn bytes(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], Fault> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or(self.fault(what))?;
        let out = &self.buf[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    pub(crate) fn u32_le(&mut self, what: &'static str) -> Result<u32, Fault> {
        let b = self.bytes(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(crate) fn u64_le(&mut self, what: &'static str) -> Result<u64, Fault> {
        let b = self.bytes(8, what)?;
        let mut a = [0; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    /// A CRC-checked section: `u32 len ‖ body ‖ crc32c(body)`; returns a
    /// cursor over the body. Damage is reported at the section's start.
    pub(crate) fn section(&mut self, what: &'static str) -> Result<Cursor<'a>, Fault> {
        let start = self.fault(what);
        let len = self.u32_le(what)? as usize;
        let base = self.offset();
        let body = self.bytes(len, what).map_err(|_| start)?;
        let crc = self.u32_le(what).map_err(|_| start)?;
        if crc32c::crc32c(body) != crc {
            return Err(Fault {
                reason: "section checksum mismatch",
                ..start
            });
        }
        Ok(Cursor::new(body, base))
    }
}

pub(crate) fn put_varint(out: &mut Vec<u8>, v: i64) {
    put_uvarint(out, zigzag(v));
}

pub(crate) fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// Appends `body` as a section: `u32 len ‖ body ‖ crc32c(body)`.
pub(crate) fn put_section(out: &mut Vec<u8>, body: &[u8]) -> Result<(), Error> {
    let len = u32::try_from(body.len())
        .map_err(|_| Error::InvalidOptions("an index section exceeds 4 GiB".into()))?;
    put_u32(out, len);
    out.extend_from_slice(body);
    put_u32(out, crc32c::crc32c(body));
    Ok(())
}

/// Writes `bytes` to a new file at `path` and syncs it (unless `sync` is
/// false).
pub(crate) fn write_file(path: &Path, bytes: &[u8], sync: bool) -> Result<(), Error> {
    let mut f = File::create(path).map_err(|e| Error::io("creating block file", path, e))?;
    f.write_all(bytes)
        .map_err(|e| Error::io("writing block file", path, e))?;
    if sync {
        f.sync_all()
            .map_err(|e| Error::io("syncing block file", path, e))?;
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically: a temporary file renamed over it.
pub(crate) fn replace_file(path: &Path, bytes: &[u8], sync: bool) -> Result<(), Error> {
    let tmp = path.with_extension("tmp");
    write_file(&tmp, bytes, sync)?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io("renaming block file", path, e))?;
    if sync {
        if let Some(dir) = path.parent() {
            sync_dir(dir)?;
        }
    }
    Ok(())
}

/// Makes `dir`'s entries durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), Error> {
    crate::wal::sync_dir(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_detect_damage() {
        let mut buf = vec![9];
        put_section(&mut buf, b"hello").unwrap();
        let mut c = Cursor::new(&buf[1..], 1);
        let mut body = c.section("s").unwrap();
        assert_eq!(body.bytes(5, "b").unwrap(), b"hello");
        assert!(c.is_empty());
        // (what, damage at, expected fault offset)
        for (what, at, want) in [("length", 1, 1), ("body", 7, 1), ("crc", 11, 1)] {
            let mut bad = buf.clone();
            bad[at] ^= 0x40;
            let got = Cursor::new(&bad[1..], 1).section("s").map(|_| ());
            assert_eq!(got.unwrap_err().offset, want, "{what}");
        }
        let short = Cursor::new(&buf[1..8], 1).section("s").map(|_| ());
        assert!(short.is_err());
    }
}
