enum _PProefCoreTests {}
