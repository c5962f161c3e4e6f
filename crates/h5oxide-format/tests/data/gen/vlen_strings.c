/* Writes vlen_strings.h5 (default format, 512-byte user block, so the superblock is at
 * 512 and its base address is 512) holding a variable-length string dataset whose
 * values live in a global heap collection; and sb_v2.h5 / sb_v3.h5, empty files written
 * with library version bounds 1.8 (superblock version 2) and latest (version 3).
 * Prints the heap IDs of the strings. */
#include <hdf5.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    H5Pset_userblock(fcpl, 512);
    hid_t f = H5Fcreate("vlen_strings.h5", H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
    const char *words[5] = {"alpha", "", "a somewhat longer string of text", "delta", "epsilon"};
    hsize_t dims[1] = {5};
    hid_t sp = H5Screate_simple(1, dims, NULL);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    hid_t d = H5Dcreate2(f, "words", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, words);
    printf("dataset storage offset %llu\n", (unsigned long long)H5Dget_offset(d));
    H5Dclose(d);
    H5Tclose(t);
    H5Sclose(sp);
    H5Fclose(f);
    H5Pclose(fcpl);

    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18);
    f = H5Fcreate("sb_v2.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Fclose(f);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    f = H5Fcreate("sb_v3.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Fclose(f);
    H5Pclose(fapl);
    return 0;
}
