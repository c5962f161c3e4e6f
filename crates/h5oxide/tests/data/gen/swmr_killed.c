/* Used by tests/swmr_write.rs: what libhdf5 leaves in a file when the process ends in
 * SWMR write mode without closing it.
 *
 * Usage: swmr_killed FILE
 * Creates FILE (latest format) with a chunked dataset "rows" ([0, 5] int32, unlimited
 * first dimension), enters SWMR write mode, extends and writes one row, flushes, and
 * exits without closing anything. */
#include <hdf5.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2)
        return 2;
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    hid_t f = H5Fcreate(argv[1], H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    hsize_t dims[2] = {0, 5}, max[2] = {H5S_UNLIMITED, 5}, chunk[2] = {4, 5};
    hid_t s = H5Screate_simple(2, dims, max);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 2, chunk);
    hid_t d = H5Dcreate2(f, "rows", H5T_NATIVE_INT, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (f < 0 || d < 0 || H5Fstart_swmr_write(f) < 0)
        return 1;
    hsize_t one[2] = {1, 5};
    int row[5] = {0, 1, 2, 3, 4};
    if (H5Dset_extent(d, one) < 0 ||
        H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, row) < 0 ||
        H5Fflush(f, H5F_SCOPE_GLOBAL) < 0)
        return 1;
    _exit(0);
}
