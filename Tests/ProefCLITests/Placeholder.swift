enum _PProefCLITests {}
