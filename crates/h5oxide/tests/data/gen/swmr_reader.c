/* A libhdf5 SWMR reader for tests/swmr_write.rs.
 *
 * Usage: swmr_reader FILE DATASET COLS TARGET_ROWS TIMEOUT_SECONDS
 * Opens FILE with H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, then polls H5Drefresh,
 * H5Dget_space and H5Dread on DATASET (int32, [rows, COLS]) until it has seen
 * TARGET_ROWS rows or the timeout passes. Every row r it sees must hold
 * r * 1000 + column. Prints "sizes N" (distinct row counts seen), "max R",
 * and "bad ..." lines for wrong values; exits 1 on any error or bad value. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s FILE DATASET COLS TARGET_ROWS TIMEOUT\n", argv[0]);
        return 2;
    }
    const char *path = argv[1], *name = argv[2];
    long cols = atol(argv[3]), target = atol(argv[4]);
    double timeout = atof(argv[5]);
    double start = now();
    hid_t f = -1;
    /* The writer may not have entered SWMR mode yet: retry the open quietly. */
    H5E_BEGIN_TRY {
        while ((f = H5Fopen(path, H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, H5P_DEFAULT)) < 0) {
            if (now() - start > timeout) break;
            struct timespec ts = {0, 2000000};
            nanosleep(&ts, NULL);
        }
    } H5E_END_TRY;
    if (f < 0) {
        printf("error open\n");
        return 1;
    }
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    if (d < 0) {
        printf("error dataset\n");
        return 1;
    }
    long last = -1, sizes = 0, bad = 0, reads = 0;
    int *buf = NULL;
    while (now() - start < timeout) {
        if (H5Drefresh(d) < 0) {
            printf("error refresh\n");
            return 1;
        }
        hid_t s = H5Dget_space(d);
        hsize_t dims[2] = {0, 0};
        if (s < 0 || H5Sget_simple_extent_ndims(s) != 2 ||
            H5Sget_simple_extent_dims(s, dims, NULL) < 0 || (long)dims[1] != cols) {
            printf("error space\n");
            return 1;
        }
        long rows = (long)dims[0];
        if (rows < last) {
            printf("bad shrink %ld -> %ld\n", last, rows);
            bad++;
        }
        if (rows != last) {
            sizes++;
            last = rows;
        }
        if (rows > 0) {
            buf = realloc(buf, sizeof(int) * rows * cols);
            if (H5Dread(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
                printf("error read at %ld rows\n", rows);
                return 1;
            }
            reads++;
            for (long r = 0; r < rows; r++)
                for (long c = 0; c < cols; c++)
                    if (buf[r * cols + c] != r * 1000 + c) {
                        if (bad < 10)
                            printf("bad row %ld col %ld value %d at %ld rows\n", r, c,
                                   buf[r * cols + c], rows);
                        bad++;
                    }
        }
        H5Sclose(s);
        if (rows >= target) break;
    }
    printf("sizes %ld\nreads %ld\nmax %ld\n", sizes, reads, last);
    H5Dclose(d);
    H5Fclose(f);
    free(buf);
    return bad ? 1 : 0;
}
