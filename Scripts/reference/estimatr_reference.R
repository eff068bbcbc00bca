#!/usr/bin/env Rscript
# Reference estimates from R's estimatr and clubSandwich for ProefStats' tests. Usage: Rscript estimatr_reference.R KIND data.csv
#   KIND = dim     difference_in_means(y ~ z)
#        = blocked difference_in_means(y ~ z, blocks = block)
#        = lin     lm_lin(y ~ z, covariates = ~ x1 + x2)
#        = hc2     lm_robust(y ~ z, se_type = "HC2")
#        = cr2     lm_robust(y ~ z + x1, clusters = cl, se_type = "CR2")   (Satterthwaite df)
#        = cr2z    lm_robust(y ~ z, clusters = cl, se_type = "CR2")
#        = iv      iv_robust(y ~ d | z, se_type = "HC2")                   (reports the term d)
#        = clubsandwich  lm(y ~ z + x1) with clubSandwich's vcovCR(type = "CR2") and its
#                  Satterthwaite test and interval (Pustejovsky & Tipton 2018)
# Prints one CSV line: estimate,std.error,df,p.value,conf.low,conf.high
suppressPackageStartupMessages(library(estimatr))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[2])
if (args[1] == "clubsandwich") {
  suppressPackageStartupMessages(library(clubSandwich))
  fit <- lm(y ~ z + x1, data = d)
  V <- vcovCR(fit, cluster = d$cl, type = "CR2")
  ct <- coef_test(fit, vcov = V, test = "Satterthwaite", coefs = "z")
  ci <- conf_int(fit, vcov = V, test = "Satterthwaite", coefs = "z", level = 0.95)
  cat(sprintf("%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", ct$beta, ct$SE, ct$df_Satt, ct$p_Satt, ci$CI_L, ci$CI_U))
  quit(save = "no")
}
fit <- switch(args[1],
  dim = difference_in_means(y ~ z, data = d),
  blocked = difference_in_means(y ~ z, blocks = block, data = d),
  lin = lm_lin(y ~ z, covariates = ~ x1 + x2, data = d),
  hc2 = lm_robust(y ~ z, data = d, se_type = "HC2"),
  cr2 = lm_robust(y ~ z + x1, clusters = cl, data = d, se_type = "CR2"),
  cr2z = lm_robust(y ~ z, clusters = cl, data = d, se_type = "CR2"),
  iv = iv_robust(y ~ d | z, data = d, se_type = "HC2"),
  stop("unknown kind"))
t <- tidy(fit)
r <- t[t$term == (if (args[1] == "iv") "d" else "z"), ]
cat(sprintf("%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", r$estimate, r$std.error, r$df, r$p.value, r$conf.low, r$conf.high))
