package io.strata.engine.layer;

/** Constants of the layer file format (FORMAT 1, 8) shared by image and delta layers. */
public final class LayerFormat {
    /** Block size of layer files: block 0 is the summary, values start at block 1. */
    public static final int PAGE_SZ = 8192;
    public static final int IMAGE_FILE_MAGIC = 0x5A60;
    public static final int DELTA_FILE_MAGIC = 0x5A61;
    /** The only version Neon's readers accept when they compare summaries. */
    public static final int STORAGE_FORMAT_VERSION = 3;
    /** Offset of the first blob: the values region starts right after the summary block. */
    public static final long VALUES_START = PAGE_SZ;
    /** Delta layers larger than this are refused: S3 does not take them without multipart upload. */
    public static final long S3_UPLOAD_LIMIT = 4_500_000_000L;

    private LayerFormat() {
    }

    /** The magic's meaning, for error messages. */
    static String describeMagic(int magic) {
        return switch (magic) {
            case IMAGE_FILE_MAGIC -> "image layer";
            case DELTA_FILE_MAGIC -> "delta layer";
            default -> "not a layer file";
        };
    }
}
