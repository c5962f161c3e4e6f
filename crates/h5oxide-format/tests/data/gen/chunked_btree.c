/* Writes chunked_btree.h5: a 2-D chunked dataset whose chunk index is a version 1
 * B-tree with internal nodes (indexed storage K = 2, so at most 4 children per node;
 * the non-default K also makes the superblock version 1). Deflate is in the pipeline;
 * one chunk is written raw with filter mask 1 through H5Dwrite_chunk. Prints every
 * chunk's offset, filter mask, address and size as H5Dget_chunk_info reports them. */
#include <hdf5.h>
#include <stdio.h>

int main(void) {
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    H5Pset_istore_k(fcpl, 2);
    hid_t f = H5Fcreate("chunked_btree.h5", H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
    hsize_t dims[2] = {20, 15};
    hsize_t chunk[2] = {4, 3};
    hid_t sp = H5Screate_simple(2, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 2, chunk);
    H5Pset_deflate(dcpl, 6);
    hid_t d = H5Dcreate2(f, "chunked", H5T_STD_I32LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    int v[20][15];
    for (int i = 0; i < 20; i++)
        for (int j = 0; j < 15; j++)
            v[i][j] = i * 100 + j;
    H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    /* Overwrite chunk (8, 6) with raw bytes, skipping the deflate filter. */
    int raw[12];
    for (int i = 0; i < 12; i++)
        raw[i] = -i;
    hsize_t off[2] = {8, 6};
    H5Dwrite_chunk(d, H5P_DEFAULT, 1, off, sizeof raw, raw);
    H5Fflush(f, H5F_SCOPE_GLOBAL);
    hsize_t n = 0;
    hid_t fs = H5Dget_space(d);
    H5Dget_num_chunks(d, fs, &n);
    for (hsize_t i = 0; i < n; i++) {
        hsize_t o[2];
        unsigned mask;
        haddr_t addr;
        hsize_t size;
        H5Dget_chunk_info(d, fs, i, o, &mask, &addr, &size);
        printf("%llu %llu %u %llu %llu\n", (unsigned long long)o[0], (unsigned long long)o[1], mask,
               (unsigned long long)addr, (unsigned long long)size);
    }
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(sp);
    H5Fclose(f);
    H5Pclose(fcpl);
    return 0;
}
