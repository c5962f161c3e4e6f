/* Writes sohm_list.h5 and sohm_btree.h5: files whose creation property list puts datatype and
 * dataspace messages in one shared-message index (a list in the first file, a v2 B-tree in the
 * second), with 6 datasets that all use one compound datatype {int32 a; float64 b} and one
 * 7x3 dataspace, so both messages are stored once in the index's fractal heap.
 * Build: h5cc -o sohm sohm.c && ./sohm */
#include <hdf5.h>
#include <stdio.h>

static void make(const char *path, int btree)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    H5Pset_shared_mesg_nindexes(fcpl, 1);
    H5Pset_shared_mesg_index(fcpl, 0, H5O_SHMESG_DTYPE_FLAG | H5O_SHMESG_SDSPACE_FLAG, 1);
    if (btree)
        H5Pset_shared_mesg_phase_change(fcpl, 0, 0);
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, fapl);
    hid_t t = H5Tcreate(H5T_COMPOUND, 12);
    H5Tinsert(t, "a", 0, H5T_STD_I32LE);
    H5Tinsert(t, "b", 4, H5T_IEEE_F64LE);
    hsize_t dims[2] = {7, 3};
    hid_t space = H5Screate_simple(2, dims, NULL);
    char name[16];
    for (int i = 0; i < 6; i++) {
        snprintf(name, sizeof name, "d%d", i);
        hid_t d = H5Dcreate2(file, name, t, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5O_info_t info;
        H5Oget_info(d, &info);
        printf("%s %s object header at %llu\n", path, name, (unsigned long long)info.addr);
        H5Dclose(d);
    }
    H5Sclose(space);
    H5Tclose(t);
    H5Fclose(file);
    H5Pclose(fcpl);
    H5Pclose(fapl);
}

int main(void)
{
    make("sohm_list.h5", 0);
    make("sohm_btree.h5", 1);
    return 0;
}
