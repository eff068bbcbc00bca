print("proef")
