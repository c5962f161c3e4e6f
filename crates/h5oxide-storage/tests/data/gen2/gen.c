/* Writes one chunked dataset per filter case with libhdf5 and exports, per case, the raw
 * chunk (H5Dread_chunk), the filter's client data (H5Pget_filter_by_id2) and the decoded
 * bytes (H5Dread in the file's own datatype).
 *
 *   gen OUTDIR            write OUTDIR/cases.h5 and OUTDIR/<case>.{chunk,params,raw}
 *   put H5FILE CASE CHUNK OUT
 *                         write CHUNK as the dataset's only chunk (H5Dwrite_chunk), read
 *                         the dataset back (H5Dread) and save the bytes to OUT
 *
 * Build: h5cc -o gen gen.c ; the blosc cases need HDF5_PLUGIN_PATH to hold the plugin. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILTER_BLOSC 32001

static char outdir[4096];

static void save(const char *name, const char *ext, const void *buf, size_t n) {
    char path[8192];
    snprintf(path, sizeof path, "%s/%s.%s", outdir, name, ext);
    FILE *f = fopen(path, "wb");
    if (!f) { perror(path); exit(1); }
    fwrite(buf, 1, n, f);
    fclose(f);
}

/* Exports chunk, client data and decoded bytes of dataset NAME; the decoded bytes go to
 * RAWNAME.raw (cases sharing their data share that file). */
static void export_case(hid_t file, const char *name, H5Z_filter_t filter, const char *rawname) {
    hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
    hid_t dcpl = H5Dget_create_plist(d);
    unsigned flags, cd[256];
    size_t ncd = 256;
    char fname[64];
    if (H5Pget_filter_by_id2(dcpl, filter, &flags, &ncd, cd, sizeof fname, fname, NULL) < 0) {
        fprintf(stderr, "%s: no filter %d\n", name, (int)filter);
        exit(1);
    }
    char text[65536];
    size_t pos = 0;
    for (size_t i = 0; i < ncd; i++)
        pos += (size_t)snprintf(text + pos, sizeof text - pos, "%s%u", i ? " " : "", cd[i]);
    pos += (size_t)snprintf(text + pos, sizeof text - pos, "\n");
    save(name, "params", text, pos);

    hsize_t off[2] = {0, 0}, csize = 0;
    uint32_t mask = 0;
    H5Dget_chunk_storage_size(d, off, &csize);
    void *chunk = malloc(csize);
    if (H5Dread_chunk(d, H5P_DEFAULT, off, &mask, chunk) < 0 || mask != 0) {
        fprintf(stderr, "%s: read_chunk failed (mask %u)\n", name, mask);
        exit(1);
    }
    save(name, "chunk", chunk, csize);
    free(chunk);

    hid_t t = H5Dget_type(d);
    hid_t s = H5Dget_space(d);
    size_t n = (size_t)H5Sget_simple_extent_npoints(s) * H5Tget_size(t);
    void *raw = malloc(n);
    H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw);
    save(rawname ? rawname : name, "raw", raw, n);
    free(raw);
    H5Tclose(t);
    H5Sclose(s);
    H5Pclose(dcpl);
    H5Dclose(d);
}

/* Creates dataset NAME of type T, RANK dims (one chunk covering it) and writes BUF
 * (in memory type MT). */
static void make(hid_t file, const char *name, hid_t t, hid_t mt, int rank, const hsize_t *dims,
                 hid_t dcpl, const void *buf) {
    hid_t s = H5Screate_simple(rank, dims, NULL);
    H5Pset_chunk(dcpl, rank, dims);
    hid_t d = H5Dcreate2(file, name, t, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d < 0) { fprintf(stderr, "%s: create failed\n", name); exit(1); }
    if (H5Dwrite(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        fprintf(stderr, "%s: write failed\n", name);
        exit(1);
    }
    H5Dclose(d);
    H5Sclose(s);
}

static unsigned lcg = 12345;
static unsigned rnd(unsigned m) { lcg = lcg * 1103515245u + 12345u; return (lcg >> 16) % m; }

static int gen(void) {
    char path[8192];
    snprintf(path, sizeof path, "%s/cases.h5", outdir);
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    enum { N = 2000 };
    static int i32[N]; static unsigned short u16[N]; static unsigned char u8[N];
    static double f64[N]; static float f32[N];
    for (int i = 0; i < N; i++) {
        int smooth = 500 + (i % 97) * 3 - (i % 13) * 7 + (int)rnd(5);
        i32[i] = (i % 50 == 0) ? 0 : smooth * 1000 - 250000 + (int)rnd(100);
        u16[i] = (unsigned short)(smooth & 0xfff);
        u8[i] = (unsigned char)((i % 200 < 100) ? 0 : smooth & 0xff);
        f64[i] = smooth / 7.0 + (i % 3);
        f32[i] = (float)(smooth / 100.0 - 3.0);
    }
    hsize_t d1[1] = {N}, d2[2] = {20, 100}, d2b[2] = {50, 40};

    /* SZIP: entropy coding and nearest neighbour, several widths and byte orders. */
    hid_t p;
    p = H5Pcreate(H5P_DATASET_CREATE); H5Pset_szip(p, H5_SZIP_EC_OPTION_MASK, 16);
    make(file, "szip_ec_u16_2d", H5T_STD_U16LE, H5T_NATIVE_USHORT, 2, d2, p, u16); H5Pclose(p);
    p = H5Pcreate(H5P_DATASET_CREATE); H5Pset_szip(p, H5_SZIP_NN_OPTION_MASK, 32);
    make(file, "szip_nn_i32_2d", H5T_STD_I32LE, H5T_NATIVE_INT, 2, d2b, p, i32); H5Pclose(p);
    p = H5Pcreate(H5P_DATASET_CREATE); H5Pset_szip(p, H5_SZIP_NN_OPTION_MASK, 8);
    make(file, "szip_nn_u8", H5T_STD_U8LE, H5T_NATIVE_UCHAR, 1, d1, p, u8); H5Pclose(p);
    p = H5Pcreate(H5P_DATASET_CREATE); H5Pset_szip(p, H5_SZIP_EC_OPTION_MASK, 32);
    make(file, "szip_ec_u16be", H5T_STD_U16BE, H5T_NATIVE_USHORT, 1, d1, p, u16); H5Pclose(p);
    p = H5Pcreate(H5P_DATASET_CREATE); H5Pset_szip(p, H5_SZIP_NN_OPTION_MASK, 16);
    make(file, "szip_nn_f64", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, d1, p, f64); H5Pclose(p);
    {
        hid_t t12 = H5Tcopy(H5T_STD_U16LE);
        H5Tset_precision(t12, 12);
        p = H5Pcreate(H5P_DATASET_CREATE); H5Pset_szip(p, H5_SZIP_NN_OPTION_MASK, 8);
        make(file, "szip_nn_12bit", t12, H5T_NATIVE_USHORT, 1, d1, p, u16); H5Pclose(p);
        H5Tclose(t12);
    }

    /* N-bit: 12-bit integers in both byte orders, and a compound. */
    {
        hid_t t = H5Tcopy(H5T_STD_I32LE);
        H5Tset_precision(t, 12); H5Tset_offset(t, 4);
        static int v[N];
        for (int i = 0; i < N; i++) v[i] = (u16[i] & 0x7ff) - 1024;
        p = H5Pcreate(H5P_DATASET_CREATE); H5Pset_nbit(p);
        make(file, "nbit_i12_le", t, H5T_NATIVE_INT, 1, d1, p, v); H5Pclose(p);
        H5Tclose(t);
        t = H5Tcopy(H5T_STD_U16BE);
        H5Tset_precision(t, 12); H5Tset_offset(t, 2);
        p = H5Pcreate(H5P_DATASET_CREATE); H5Pset_nbit(p);
        make(file, "nbit_u12_be", t, H5T_NATIVE_USHORT, 1, d1, p, u16); H5Pclose(p);
        H5Tclose(t);
    }
    {
        typedef struct { int a; char s[3]; float f; unsigned short arr[3]; } rec;
        static rec r[500];
        for (int i = 0; i < 500; i++) {
            r[i].a = (int)(u16[i] & 0x3ff) - 512;
            r[i].s[0] = 'a' + i % 26; r[i].s[1] = 'A' + i % 26; r[i].s[2] = 0;
            r[i].f = f32[i];
            for (int k = 0; k < 3; k++) r[i].arr[k] = (unsigned short)((u16[i] + k) & 0x3ff);
        }
        hid_t ta = H5Tcopy(H5T_STD_I32LE); H5Tset_precision(ta, 11); H5Tset_offset(ta, 0);
        hid_t ts = H5Tcopy(H5T_C_S1); H5Tset_size(ts, 3);
        hid_t tb = H5Tcopy(H5T_STD_U16LE); H5Tset_precision(tb, 10);
        hsize_t three = 3;
        hid_t tarr = H5Tarray_create2(tb, 1, &three);
        hid_t tf = H5Tcreate(H5T_COMPOUND, 4 + 3 + 4 + 6);
        H5Tinsert(tf, "a", 0, ta); H5Tinsert(tf, "s", 4, ts);
        H5Tinsert(tf, "f", 7, H5T_IEEE_F32LE); H5Tinsert(tf, "arr", 11, tarr);
        hid_t mb = H5Tarray_create2(H5T_NATIVE_USHORT, 1, &three);
        hid_t tm = H5Tcreate(H5T_COMPOUND, sizeof(rec));
        H5Tinsert(tm, "a", HOFFSET(rec, a), H5T_NATIVE_INT); H5Tinsert(tm, "s", HOFFSET(rec, s), ts);
        H5Tinsert(tm, "f", HOFFSET(rec, f), H5T_NATIVE_FLOAT);
        H5Tinsert(tm, "arr", HOFFSET(rec, arr), mb);
        hsize_t d500[1] = {500};
        p = H5Pcreate(H5P_DATASET_CREATE); H5Pset_nbit(p);
        make(file, "nbit_compound", tf, tm, 1, d500, p, r); H5Pclose(p);
        H5Tclose(ta); H5Tclose(ts); H5Tclose(tb); H5Tclose(tarr); H5Tclose(tf);
        H5Tclose(mb); H5Tclose(tm);
    }

    /* Scale-offset: integers with computed and given bit widths, fill values, floats. */
    p = H5Pcreate(H5P_DATASET_CREATE); H5Pset_scaleoffset(p, H5Z_SO_INT, H5Z_SO_INT_MINBITS_DEFAULT);
    make(file, "so_i32_auto", H5T_STD_I32LE, H5T_NATIVE_INT, 1, d1, p, i32); H5Pclose(p);
    {
        unsigned short fill = 7;
        p = H5Pcreate(H5P_DATASET_CREATE); H5Pset_fill_value(p, H5T_NATIVE_USHORT, &fill);
        H5Pset_scaleoffset(p, H5Z_SO_INT, H5Z_SO_INT_MINBITS_DEFAULT);
        make(file, "so_u16be_fill", H5T_STD_U16BE, H5T_NATIVE_USHORT, 1, d1, p, u16); H5Pclose(p);
    }
    p = H5Pcreate(H5P_DATASET_CREATE); H5Pset_fill_value(p, H5T_NATIVE_INT, NULL);
    H5Pset_scaleoffset(p, H5Z_SO_INT, 20);
    make(file, "so_i32_minbits20", H5T_STD_I32LE, H5T_NATIVE_INT, 1, d1, p, i32); H5Pclose(p);
    p = H5Pcreate(H5P_DATASET_CREATE); H5Pset_scaleoffset(p, H5Z_SO_FLOAT_DSCALE, 2);
    make(file, "so_f32_d2", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 1, d1, p, f32); H5Pclose(p);
    p = H5Pcreate(H5P_DATASET_CREATE); H5Pset_fill_value(p, H5T_NATIVE_DOUBLE, NULL);
    H5Pset_scaleoffset(p, H5Z_SO_FLOAT_DSCALE, 3);
    make(file, "so_f64be_d3", H5T_IEEE_F64BE, H5T_NATIVE_DOUBLE, 1, d1, p, f64); H5Pclose(p);

    /* Blosc: every inner codec, byte and bit shuffle, a stored frame; 9000 ints = 36000
     * bytes so that level 1 gives two blocks, the second one short. */
    {
        static int big[9000];
        for (int i = 0; i < 9000; i++) big[i] = i32[i % N] / 100 + i / 1000;
        hsize_t db[1] = {9000};
        struct { const char *name; unsigned clevel, shuffle, comp; hid_t t; } bc[] = {
            {"blosc_blosclz_shuf", 5, 1, 0, H5T_STD_I32LE},
            {"blosc_blosclz_l1", 1, 1, 0, H5T_STD_I32LE},
            {"blosc_lz4_noshuf", 5, 0, 1, H5T_STD_I32LE},
            {"blosc_lz4hc_shuf", 9, 1, 2, H5T_STD_I32LE},
            {"blosc_zlib_bitshuf", 5, 2, 4, H5T_STD_I32LE},
            {"blosc_zstd_bitshuf", 1, 2, 5, H5T_STD_I32LE},
            {"blosc_lz4_bitshuf_l1", 1, 2, 1, H5T_STD_I32LE},
            {"blosc_zstd_shuf", 5, 1, 5, H5T_STD_I32LE},
        };
        for (size_t k = 0; k < sizeof bc / sizeof bc[0]; k++) {
            unsigned cd[7] = {0, 0, 0, 0, bc[k].clevel, bc[k].shuffle, bc[k].comp};
            p = H5Pcreate(H5P_DATASET_CREATE);
            H5Pset_filter(p, FILTER_BLOSC, H5Z_FLAG_OPTIONAL, 7, cd);
            make(file, bc[k].name, bc[k].t, H5T_NATIVE_INT, 1, db, p, big);
            H5Pclose(p);
        }
        H5Fflush(file, H5F_SCOPE_GLOBAL);
        for (size_t k = 0; k < sizeof bc / sizeof bc[0]; k++)
            export_case(file, bc[k].name, FILTER_BLOSC, "blosc_data");
    }

    const char *szip[] = {"szip_ec_u16_2d", "szip_nn_i32_2d", "szip_nn_u8", "szip_ec_u16be",
                          "szip_nn_f64", "szip_nn_12bit"};
    for (size_t k = 0; k < 6; k++) export_case(file, szip[k], H5Z_FILTER_SZIP, NULL);
    const char *nbit[] = {"nbit_i12_le", "nbit_u12_be", "nbit_compound"};
    for (size_t k = 0; k < 3; k++) export_case(file, nbit[k], H5Z_FILTER_NBIT, NULL);
    const char *so[] = {"so_i32_auto", "so_u16be_fill", "so_i32_minbits20", "so_f32_d2", "so_f64be_d3"};
    for (size_t k = 0; k < 5; k++) export_case(file, so[k], H5Z_FILTER_SCALEOFFSET, NULL);
    H5Fclose(file);
    return 0;
}

static int put(const char *h5, const char *name, const char *chunkpath, const char *out) {
    FILE *f = fopen(chunkpath, "rb");
    if (!f) { perror(chunkpath); return 1; }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *chunk = malloc((size_t)n + 1);
    if (fread(chunk, 1, (size_t)n, f) != (size_t)n) { fclose(f); return 1; }
    fclose(f);
    hid_t file = H5Fopen(h5, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
    hsize_t off[2] = {0, 0};
    if (H5Dwrite_chunk(d, H5P_DEFAULT, 0, off, (size_t)n, chunk) < 0) return 2;
    H5Dclose(d);
    H5Fclose(file);
    file = H5Fopen(h5, H5F_ACC_RDONLY, H5P_DEFAULT);
    d = H5Dopen2(file, name, H5P_DEFAULT);
    hid_t t = H5Dget_type(d);
    hid_t s = H5Dget_space(d);
    size_t sz = (size_t)H5Sget_simple_extent_npoints(s) * H5Tget_size(t);
    void *raw = malloc(sz);
    if (H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) < 0) return 3;
    f = fopen(out, "wb");
    fwrite(raw, 1, sz, f);
    fclose(f);
    H5Fclose(file);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "gen") == 0) {
        snprintf(outdir, sizeof outdir, "%s", argv[2]);
        return gen();
    }
    if (argc == 6 && strcmp(argv[1], "put") == 0) return put(argv[2], argv[3], argv[4], argv[5]);
    fprintf(stderr, "usage: gen OUTDIR | put H5FILE CASE CHUNK OUT\n");
    return 64;
}
