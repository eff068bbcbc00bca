enum _PProefStoreTests {}
