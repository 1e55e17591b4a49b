package io.strata.engine.layermap;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.PersistentLayerDesc;
import java.util.Map;
import java.util.TreeMap;

/**
 * Neon's (Hadron's) {@code compute_image_consistent_lsn}: the highest LSN below which every page has been
 * materialized as an image. Starts from the newest images per key range, raises each one's LSN where no delta
 * holds WAL between the image and a newer delta's start, and takes the minimum (and at most below the oldest L0).
 */
final class ImageConsistentLsn {
    /** An image part's LSN and the lowest start of the newer deltas over it. */
    private static final class ImageLayerInfo {
        final Lsn imageLsn;
        Lsn minDeltaLsn;

        ImageLayerInfo(Lsn imageLsn, Lsn minDeltaLsn) {
            this.imageLsn = imageLsn;
            this.minDeltaLsn = minDeltaLsn;
        }
    }

    private ImageConsistentLsn() {
    }

    /** @throws IllegalStateException if the oldest L0 (or {@code diskConsistentLsn}) is LSN 0 (Neon panics) */
    static Lsn compute(LayerMap map, Lsn diskConsistentLsn) {
        Lsn minL0DeltasLsn = diskConsistentLsn;
        if (!map.level0Deltas().isEmpty()) {
            minL0DeltasLsn = Lsn.MAX;
            for (PersistentLayerDesc l : map.level0Deltas()) {
                minL0DeltasLsn = min(minL0DeltasLsn, l.lsnStart());
            }
        }

        // 1: the newest image per key range, by end key
        TreeMap<Key, ImageLayerInfo> imageMap = new TreeMap<>();
        for (ImageCoverage c : map.imageCoverage(KeyRange.FULL, diskConsistentLsn)) {
            Lsn imgLsn = c.layer().map(PersistentLayerDesc::lsnEnd).orElse(Lsn.INVALID);
            imageMap.put(c.range().end(), new ImageLayerInfo(imgLsn, minL0DeltasLsn));
        }

        // 2: each delta lowers the min delta LSN of the images it overlaps and is newer than
        for (PersistentLayerDesc layer : map.historicLayers()) {
            if (!layer.isDelta()) {
                continue;
            }
            KeyRange deltaKeyRange = layer.keyRange();
            for (Map.Entry<Key, ImageLayerInfo> e : imageMap.subMap(deltaKeyRange.start(), true, Key.MAX, false)
                    .entrySet()) {
                ImageLayerInfo info = e.getValue();
                if (layer.lsnEnd().compareTo(info.imageLsn) > 0) {
                    info.minDeltaLsn = min(info.minDeltaLsn, layer.lsnStart());
                }
                if (e.getKey().compareTo(deltaKeyRange.end()) >= 0) {
                    break;
                }
            }
        }

        // 3: the minimum over the images
        Lsn imgConsistentLsn = minL0DeltasLsn.checkedSub(1).orElseThrow(
                () -> new IllegalStateException("image consistent LSN: the oldest L0 starts at LSN 0"));
        for (ImageLayerInfo info : imageMap.values()) {
            Lsn imageLsn = max(info.imageLsn, info.minDeltaLsn.checkedSub(1).orElse(Lsn.INVALID));
            imgConsistentLsn = min(imgConsistentLsn, imageLsn);
        }
        return imgConsistentLsn;
    }

    private static Lsn min(Lsn a, Lsn b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Lsn max(Lsn a, Lsn b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
