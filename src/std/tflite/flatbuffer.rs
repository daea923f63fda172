//! A minimal, bounds-checked FlatBuffers reader: just what the TFLite schema needs (tables,
//! scalars, vectors of scalars and of tables, strings). Every offset is checked against
//! the buffer before it is followed, so a truncated or hostile file gives an error naming
//! what was being read and at which byte, never a panic or an endless loop.

use crate::std::tflite::error::TfliteError;
use std::string::String;

/// A FlatBuffers table: its position and the position of its vtable.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Table<'a> {
    buf: &'a [u8],
    pos: usize,
    vtable: usize,
    vtable_len: usize,
}

/// A vector in the buffer: where its first element is and how many there are.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Vector<'a> {
    buf: &'a [u8],
    start: usize,
    len: usize,
}

fn malformed(what: &str, offset: usize) -> TfliteError {
    TfliteError::Malformed {
        what: String::from(what),
        offset,
    }
}

fn read<const N: usize>(buf: &[u8], pos: usize, what: &str) -> Result<[u8; N], TfliteError> {
    pos.checked_add(N)
        .and_then(|end| buf.get(pos..end))
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| malformed(what, pos))
}

pub(crate) fn read_u32(buf: &[u8], pos: usize, what: &str) -> Result<u32, TfliteError> {
    read::<4>(buf, pos, what).map(u32::from_le_bytes)
}

/// Follows the unsigned offset stored at `pos` (relative to `pos` itself).
fn follow(buf: &[u8], pos: usize, what: &str) -> Result<usize, TfliteError> {
    let rel = read_u32(buf, pos, what)? as usize;
    let target = pos.checked_add(rel).ok_or_else(|| malformed(what, pos))?;
    if target >= buf.len() {
        return Err(malformed(what, pos));
    }
    Ok(target)
}

impl<'a> Table<'a> {
    /// The table at `pos`, with its vtable checked to lie inside the buffer.
    pub(crate) fn at(buf: &'a [u8], pos: usize, what: &str) -> Result<Self, TfliteError> {
        let soffset = i32::from_le_bytes(read::<4>(buf, pos, what)?) as i64;
        let vtable = pos as i64 - soffset;
        if vtable < 0 || vtable as usize >= buf.len() {
            return Err(malformed(what, pos));
        }
        let vtable = vtable as usize;
        let vtable_len = u16::from_le_bytes(read::<2>(buf, vtable, what)?) as usize;
        if vtable_len < 4 || vtable.checked_add(vtable_len).is_none_or(|e| e > buf.len()) {
            return Err(malformed(what, vtable));
        }
        Ok(Self {
            buf,
            pos,
            vtable,
            vtable_len,
        })
    }

    /// The root table of a buffer.
    pub(crate) fn root(buf: &'a [u8]) -> Result<Self, TfliteError> {
        let pos = follow(buf, 0, "root table offset")?;
        Self::at(buf, pos, "root table")
    }

    /// Absolute position of field `id`, or `None` when the field is absent (default).
    fn field(&self, id: usize, what: &str) -> Result<Option<usize>, TfliteError> {
        let slot = 4 + 2 * id;
        if slot + 2 > self.vtable_len {
            return Ok(None);
        }
        let rel = u16::from_le_bytes(read::<2>(self.buf, self.vtable + slot, what)?) as usize;
        if rel == 0 {
            return Ok(None);
        }
        Ok(Some(self.pos + rel))
    }

    /// A scalar field of `N` bytes, or `None` when absent.
    fn scalar<const N: usize>(
        &self,
        id: usize,
        what: &str,
    ) -> Result<Option<[u8; N]>, TfliteError> {
        match self.field(id, what)? {
            None => Ok(None),
            Some(p) => read::<N>(self.buf, p, what).map(Some),
        }
    }

    /// An `int8`/`ubyte` field (`default` when absent).
    pub(crate) fn u8(&self, id: usize, default: u8, what: &str) -> Result<u8, TfliteError> {
        Ok(self.scalar::<1>(id, what)?.map_or(default, |b| b[0]))
    }

    /// An `int` field (`default` when absent).
    pub(crate) fn i32(&self, id: usize, default: i32, what: &str) -> Result<i32, TfliteError> {
        Ok(self
            .scalar::<4>(id, what)?
            .map_or(default, i32::from_le_bytes))
    }

    /// A `uint` field (`default` when absent).
    pub(crate) fn u32(&self, id: usize, default: u32, what: &str) -> Result<u32, TfliteError> {
        Ok(self
            .scalar::<4>(id, what)?
            .map_or(default, u32::from_le_bytes))
    }

    /// A sub-table field, or `None` when absent.
    pub(crate) fn table(&self, id: usize, what: &str) -> Result<Option<Table<'a>>, TfliteError> {
        match self.field(id, what)? {
            None => Ok(None),
            Some(p) => Table::at(self.buf, follow(self.buf, p, what)?, what).map(Some),
        }
    }

    /// A vector field with elements of `elem` bytes (empty when absent).
    pub(crate) fn vector(
        &self,
        id: usize,
        elem: usize,
        what: &str,
    ) -> Result<Vector<'a>, TfliteError> {
        let Some(p) = self.field(id, what)? else {
            return Ok(Vector {
                buf: self.buf,
                start: 0,
                len: 0,
            });
        };
        let at = follow(self.buf, p, what)?;
        let len = read_u32(self.buf, at, what)? as usize;
        let start = at + 4;
        let end = len
            .checked_mul(elem)
            .and_then(|n| n.checked_add(start))
            .ok_or_else(|| malformed(what, at))?;
        if end > self.buf.len() {
            return Err(malformed(what, at));
        }
        Ok(Vector {
            buf: self.buf,
            start,
            len,
        })
    }

    /// A string field as text (lossy UTF-8; empty when absent).
    pub(crate) fn string(&self, id: usize, what: &str) -> Result<String, TfliteError> {
        let v = self.vector(id, 1, what)?;
        Ok(String::from_utf8_lossy(v.bytes()).into_owned())
    }
}

impl<'a> Vector<'a> {
    /// Number of elements.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The raw bytes of a byte vector.
    pub(crate) fn bytes(&self) -> &'a [u8] {
        self.buf
            .get(self.start..self.start + self.len)
            .unwrap_or(&[])
    }

    fn element<const N: usize>(&self, i: usize, what: &str) -> Result<[u8; N], TfliteError> {
        if i >= self.len {
            return Err(malformed(what, self.start));
        }
        read::<N>(self.buf, self.start + i * N, what)
    }

    /// All elements of an `[int]` vector.
    pub(crate) fn i32s(&self, what: &str) -> Result<Vec<i32>, TfliteError> {
        (0..self.len)
            .map(|i| self.element::<4>(i, what).map(i32::from_le_bytes))
            .collect()
    }

    /// All elements of a `[float]` vector.
    pub(crate) fn f32s(&self, what: &str) -> Result<Vec<f32>, TfliteError> {
        (0..self.len)
            .map(|i| self.element::<4>(i, what).map(f32::from_le_bytes))
            .collect()
    }

    /// All elements of a `[long]` vector.
    pub(crate) fn i64s(&self, what: &str) -> Result<Vec<i64>, TfliteError> {
        (0..self.len)
            .map(|i| self.element::<8>(i, what).map(i64::from_le_bytes))
            .collect()
    }

    /// Element `i` of a vector of tables.
    pub(crate) fn table(&self, i: usize, what: &str) -> Result<Table<'a>, TfliteError> {
        if i >= self.len {
            return Err(malformed(what, self.start));
        }
        let pos = follow(self.buf, self.start + 4 * i, what)?;
        Table::at(self.buf, pos, what)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_outside_the_buffer_are_errors() {
        assert!(Table::root(&[]).is_err());
        assert!(Table::root(&[200, 0, 0, 0]).is_err());
        // Root at 4, whose soffset points the vtable before the buffer's start.
        assert!(Table::root(&[4, 0, 0, 0, 100, 0, 0, 0]).is_err());
        // A valid empty table: vtable at 4 (len 4, table len 4), table at 8 (soffset 4).
        let buf = [8, 0, 0, 0, 4, 0, 4, 0, 4, 0, 0, 0];
        let t = Table::root(&buf).unwrap();
        assert_eq!(t.i32(0, 7, "x").unwrap(), 7);
        assert_eq!(t.vector(3, 4, "v").unwrap().len(), 0);
    }
}
