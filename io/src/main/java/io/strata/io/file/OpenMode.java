package io.strata.io.file;

/** How a {@link DirectFile} is opened. Every mode uses O_DIRECT: Strata never goes through the page cache. */
public enum OpenMode {
    /** Read an existing file. */
    READ,
    /** Create a new file for writing; fails with EEXIST if the path exists (layer files are never overwritten). */
    CREATE_NEW_WRITE,
    /** Read and write an existing file (benchmarks and repair tools; layer files are immutable once written). */
    READ_WRITE
}
