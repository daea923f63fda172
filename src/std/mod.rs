//! Host-only conveniences (feature `std`): nothing here is needed on a microcontroller.
