enum _PProefServerTests {}
