#!/usr/bin/env Rscript
# CR2 in R's estimatr on the same kind of data as `proef-bench cr2`, for the benchmark's
# comparison. Usage: Rscript estimatr_cr2.R CLIENTS CLUSTERS
suppressPackageStartupMessages(library(estimatr))
args <- commandArgs(TRUE)
n <- as.integer(args[1]); k <- as.integer(args[2])
set.seed(1)
cl <- (0:(n - 1)) %% k
z <- as.integer(cl %% 2 == 0)
x <- runif(n, 0, 10)
d <- data.frame(y = 2 + 0.3 * z + 0.1 * x + runif(n, -2, 2), z, x, cl)
start <- Sys.time()
r <- tryCatch({
  f <- lm_robust(y ~ z + x, clusters = cl, data = d, se_type = "CR2")
  sprintf("%.2f s", as.numeric(Sys.time() - start, units = "secs"))
}, error = function(e) paste("fails:", conditionMessage(e)))
cat(sprintf("estimatr lm_robust CR2, %d clients in %d clusters: %s\n", n, k, r))
