package io.strata.io.file;

import io.strata.io.channel.FileChannelIoEngine;

class FileChannelIoEngineTest extends IoEngineContract {
    @Override
    IoEngine newEngine(IoConfig config) {
        return new FileChannelIoEngine(config);
    }

    @Override
    IoEngineKind expectedKind() {
        return IoEngineKind.FILECHANNEL;
    }

    @Override
    int openFiles() {
        return ((FileChannelIoEngine) engine).openFiles();
    }
}
