//! `Params`: the shape of what a model *trains*, as opposed to what it stores.
//!
//! A layer's gradient buffer and every optimizer state buffer have the type
//! [`Layer::Grads`](crate::Layer::Grads), which implements `Params`. A dense layer trains
//! all its parameters, so its `Grads` is another `Dense` value; a frozen layer trains none,
//! so its `Grads` is `()` and costs zero bytes; a bias-only layer trains a `[f32; OUT]`.
//! Optimizers reach the trainable values block by block, by index, so they can zip a
//! model's trainable slices with gradient and state slices without allocation or `unsafe`.

use crate::zero::Zero;

/// A fixed set of trainable `f32` values, seen as `BLOCKS` contiguous slices.
///
/// The same index must give the same-length block for every value of the type: optimizers
/// zip gradient and state blocks by index.
pub trait Params: Zero {
    /// Number of contiguous blocks.
    const BLOCKS: usize;
    /// Number of `f32` values in all blocks together.
    const LEN: usize;

    /// The `i`-th block, or an empty slice when `i >= BLOCKS`.
    fn block(&self, i: usize) -> &[f32];

    /// The `i`-th block, mutable, or an empty slice when `i >= BLOCKS`.
    fn block_mut(&mut self, i: usize) -> &mut [f32];

    /// Sets every value to zero.
    fn clear(&mut self) {
        for b in 0..Self::BLOCKS {
            self.block_mut(b).fill(0.0);
        }
    }
}

/// Nothing trains: zero bytes, zero blocks.
impl Params for () {
    const BLOCKS: usize = 0;
    const LEN: usize = 0;
    fn block(&self, _: usize) -> &[f32] {
        &[]
    }
    fn block_mut(&mut self, _: usize) -> &mut [f32] {
        &mut []
    }
}

/// One block (a bias vector, for example).
impl<const N: usize> Params for [f32; N] {
    const BLOCKS: usize = 1;
    const LEN: usize = N;
    fn block(&self, i: usize) -> &[f32] {
        if i == 0 { self } else { &[] }
    }
    fn block_mut(&mut self, i: usize) -> &mut [f32] {
        if i == 0 { self } else { &mut [] }
    }
}

/// The blocks of `A`, then those of `B` (a chained model's gradients).
impl<A: Params, B: Params> Params for (A, B) {
    const BLOCKS: usize = A::BLOCKS + B::BLOCKS;
    const LEN: usize = A::LEN + B::LEN;
    fn block(&self, i: usize) -> &[f32] {
        if i < A::BLOCKS {
            self.0.block(i)
        } else {
            self.1.block(i - A::BLOCKS)
        }
    }
    fn block_mut(&mut self, i: usize) -> &mut [f32] {
        if i < A::BLOCKS {
            self.0.block_mut(i)
        } else {
            self.1.block_mut(i - A::BLOCKS)
        }
    }
}

/// Where a slice of trainable values sits in a model: block index and offset inside it.
/// Optimizers use it to find the matching slice of their state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// Index of the block among the model's trainable blocks.
    pub block: usize,
    /// Index of the slice's first value inside the block.
    pub offset: usize,
}

impl Slot {
    /// The start of block `block`.
    pub const fn block(block: usize) -> Self {
        Self { block, offset: 0 }
    }

    /// The start of block `first + i` (a layer's `i`-th trainable block when its first is
    /// `first`). Wrapping arithmetic: a slot past every block finds no state and updates
    /// nothing, so slot arithmetic never needs an overflow check (or a panic path).
    pub const fn of(first: usize, i: usize) -> Self {
        Self::block(first.wrapping_add(i))
    }

    /// `offset` values further into the same block (wrapping, as [`Slot::of`]).
    pub const fn at(self, offset: usize) -> Self {
        Self {
            block: self.block,
            offset: self.offset.wrapping_add(offset),
        }
    }
}

/// The slice of `state`'s block `slot.block` that matches `len` values at `slot.offset`,
/// or `None` if the optimizer state has another shape (it never has: state and model
/// share the `Grads` type, so this only keeps the lookup free of panics).
pub(crate) fn slice_at<P: Params>(state: &mut P, slot: Slot, len: usize) -> Option<&mut [f32]> {
    let end = slot.offset.checked_add(len)?;
    state.block_mut(slot.block).get_mut(slot.offset..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_of_pairs_come_in_order() {
        let mut p: ([f32; 2], ((), [f32; 3])) = Zero::ZERO;
        assert_eq!(<([f32; 2], ((), [f32; 3])) as Params>::BLOCKS, 2);
        assert_eq!(<([f32; 2], ((), [f32; 3])) as Params>::LEN, 5);
        p.block_mut(1)[2] = 4.0;
        assert_eq!(p.1.1, [0.0, 0.0, 4.0]);
        assert!(p.block(2).is_empty());
        assert_eq!(
            slice_at(&mut p, Slot::block(1).at(1), 2),
            Some(&mut [0.0, 4.0][..])
        );
        assert_eq!(slice_at(&mut p, Slot::block(1).at(2), 2), None);
        p.clear();
        assert_eq!(p.1.1, [0.0; 3]);
        assert_eq!(core::mem::size_of::<((), ())>(), 0);
    }
}
