enum _PProefTestSupport {}
