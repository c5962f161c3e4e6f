//! Filter: nbit.
