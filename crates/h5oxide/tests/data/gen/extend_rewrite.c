/* Used by tests/write_chunk_index.rs: libhdf5 extends a chunked dataset of a file h5oxide
 * wrote and rewrites every element, so that it updates (and must first accept) the chunk
 * index h5oxide wrote.
 *
 * Usage: extend_rewrite FILE DATASET DIM0 [DIM1 ...]
 * Element k (row-major) of the extended dataset becomes 3 * k + 1. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: extend_rewrite FILE DATASET DIM0 [DIM1 ...]\n");
        return 2;
    }
    int rank = argc - 3;
    hsize_t dims[8];
    hsize_t n = 1;
    if (rank > 8)
        return 2;
    for (int i = 0; i < rank; i++) {
        dims[i] = strtoull(argv[3 + i], NULL, 10);
        n *= dims[i];
    }
    hid_t f = H5Fopen(argv[1], H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0)
        return 1;
    hid_t d = H5Dopen2(f, argv[2], H5P_DEFAULT);
    if (d < 0 || H5Dset_extent(d, dims) < 0)
        return 1;
    long long *buf = malloc(n * sizeof(long long));
    for (hsize_t k = 0; k < n; k++)
        buf[k] = 3 * (long long)k + 1;
    if (H5Dwrite(d, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
        return 1;
    free(buf);
    if (H5Dclose(d) < 0 || H5Fclose(f) < 0)
        return 1;
    return 0;
}
