//! Cross-checks of h5oxide against the HDF5 C library.
