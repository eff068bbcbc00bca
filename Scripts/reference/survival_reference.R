#!/usr/bin/env Rscript
# Reference survival analyses from R's survival package for ProefStats' tests.
# Usage: Rscript survival_reference.R KIND data.csv [LEVEL]
# The CSV has columns time, status (1 event, 0 censored) and, by kind:
#   KIND = km       survfit(Surv(time, status) ~ group, conf.type = "log", conf.int = LEVEL)
#                   (LEVEL defaults to 0.95). Prints, for every row of the fit, nine values:
#                   curve (1-based, in the fit's strata order), time, n.risk, n.event, n.censor,
#                   surv, std.err, lower, upper.
#        = logrank  survdiff(Surv(time, status) ~ group [+ strata(stratum)]), stratified when a
#                   stratum column is present. Prints chisq, df, pchisq(chisq, df, lower.tail = FALSE).
#        = cox      coxph(Surv(time, status) ~ x1 + x2 + ... [+ strata(stratum)], ties = "efron",
#                   robust = TRUE [, cluster = cluster]), covariates being every column whose
#                   name starts with x, in name order; clustered when a cluster column is present. Prints, for every coefficient, seven values: coef,
#                   sqrt(diag(naive.var)), sqrt(diag(var)), robust z, its two-sided p, and the
#                   hazard ratio's lower and upper LEVEL limits (robust); then the final and
#                   initial log partial likelihood and the number of iterations.
# Everything is printed on one line, comma separated, with %.17g; Inf prints as inf and NA as nan.
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
# Group and stratum labels stay text, so their order is the sorted order of the labels.
header <- names(read.csv(args[2], nrows = 1))
labels <- intersect(c("group", "stratum", "cluster"), header)
d <- read.csv(args[2], colClasses = setNames(rep("character", length(labels)), labels))
level <- if (length(args) >= 3) as.numeric(args[3]) else 0.95

fmt <- function(v) {
  s <- sprintf("%.17g", v)
  s[is.infinite(v) & v > 0] <- "inf"
  s[is.infinite(v) & v < 0] <- "-inf"
  s[is.na(v)] <- "nan"
  s
}

out <- switch(args[1],
  km = {
    f <- survfit(Surv(time, status) ~ group, data = d, conf.type = "log", conf.int = level)
    curve <- if (is.null(f$strata)) rep(1, length(f$time)) else rep(seq_along(f$strata), f$strata)
    as.vector(t(cbind(curve, f$time, f$n.risk, f$n.event, f$n.censor, f$surv, f$std.err, f$lower, f$upper)))
  },
  logrank = {
    f <- if ("stratum" %in% names(d)) survdiff(Surv(time, status) ~ group + strata(stratum), data = d)
         else survdiff(Surv(time, status) ~ group, data = d)
    df <- sum((if (is.matrix(f$exp)) rowSums(f$exp) else f$exp) > 0) - 1
    c(f$chisq, df, pchisq(f$chisq, df, lower.tail = FALSE))
  },
  cox = {
    xs <- sort(grep("^x", names(d), value = TRUE))
    rhs <- paste(xs, collapse = " + ")
    if ("stratum" %in% names(d)) rhs <- paste(rhs, "+ strata(stratum)")
    f <- if ("cluster" %in% names(d)) coxph(as.formula(paste("Surv(time, status) ~", rhs)), data = d, ties = "efron", robust = TRUE, cluster = cluster)
         else coxph(as.formula(paste("Surv(time, status) ~", rhs)), data = d, ties = "efron", robust = TRUE)
    s <- summary(f, conf.int = level)
    z <- coef(f) / sqrt(diag(f$var))
    ci <- s$conf.int
    c(as.vector(t(cbind(coef(f), sqrt(diag(f$naive.var)), sqrt(diag(f$var)), z, 2 * pnorm(-abs(z)),
                        ci[, 3], ci[, 4]))),
      f$loglik[2], f$loglik[1], f$iter)
  },
  stop("unknown kind"))
cat(paste(fmt(out), collapse = ","), "\n", sep = "")
