enum _PProefCryptoTests {}
