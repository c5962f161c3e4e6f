/* Writes group_symtab.h5: an old-style (symbol table) group with 40 members.
 * Small K values (group leaf K = 2, group internal K = 2) force many symbol table
 * nodes and a group B-tree with internal nodes. Prints each member's name and
 * object header address for the test assertions. */
#include <hdf5.h>
#include <stdio.h>

static herr_t show(hid_t g, const char *name, const H5L_info_t *info, void *op) {
    (void)op;
    if (info->type == H5L_TYPE_HARD)
        printf("%s hard %llu\n", name, (unsigned long long)info->u.address);
    else
        printf("%s soft\n", name);
    (void)g;
    return 0;
}

int main(void) {
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    H5Pset_sym_k(fcpl, 2, 2);
    hid_t f = H5Fcreate("group_symtab.h5", H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
    hid_t g = H5Gcreate2(f, "many", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t dims[1] = {3};
    hid_t sp = H5Screate_simple(1, dims, NULL);
    char name[32];
    /* Insert in a scrambled order so B-tree splits happen in the middle too. */
    for (int i = 0; i < 39; i++) {
        int k = (i * 17) % 39;
        if (k % 3 == 0) {
            snprintf(name, sizeof name, "group_%02d", k);
            hid_t c = H5Gcreate2(g, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            H5Gclose(c);
        } else {
            snprintf(name, sizeof name, "data_%02d", k);
            hid_t d = H5Dcreate2(g, name, H5T_STD_I32LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            int v[3] = {k, k + 1, k + 2};
            H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
            H5Dclose(d);
        }
    }
    H5Lcreate_soft("/many/group_00", g, "soft_link", H5P_DEFAULT, H5P_DEFAULT);
    H5Sclose(sp);
    H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, show, NULL);
    H5Gclose(g);
    H5Fclose(f);
    H5Pclose(fcpl);
    return 0;
}
