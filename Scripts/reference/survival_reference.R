#!/usr/bin/env Rscript
# Reference survival analyses from R's survival package for ProefStats' tests.
# Usage: Rscript survival_reference.R KIND data.csv [LEVEL [TAU]]
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
#        = coxmodel the same model without robust = TRUE: for every coefficient coef, se(coef), z,
#                   p and the hazard ratio's LEVEL limits, all model-based, from summary(fit).
#        = kmsummary survfit as for km, then summary(fit, rmean = TAU)$table: for every curve, the
#                   median with its LEVEL limits, rmean and se(rmean); then, for every curve after the
#                   first, its rmean minus the first curve's, the SE sqrt(se1^2 + se0^2), z, p and
#                   normal LEVEL limits (survRM2's rmst2 difference).
# Everything is printed on one line, comma separated, with %.17g; Inf prints as inf and NA as nan.
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
# Group and stratum labels stay text, so their order is the sorted order of the labels.
header <- names(read.csv(args[2], nrows = 1))
labels <- intersect(c("group", "stratum", "cluster"), header)
d <- read.csv(args[2], colClasses = setNames(rep("character", length(labels)), labels))
level <- if (length(args) >= 3) as.numeric(args[3]) else 0.95
tau <- if (length(args) >= 4) as.numeric(args[4]) else NA
coxformula <- function() {
  xs <- sort(grep("^x", names(d), value = TRUE))
  rhs <- paste(xs, collapse = " + ")
  if ("stratum" %in% names(d)) rhs <- paste(rhs, "+ strata(stratum)")
  as.formula(paste("Surv(time, status) ~", rhs))
}

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
  coxmodel = {
    f <- coxph(coxformula(), data = d, ties = "efron")
    s <- summary(f, conf.int = level)
    as.vector(t(cbind(s$coefficients[, c("coef", "se(coef)", "z", "Pr(>|z|)"), drop = FALSE], s$conf.int[, 3:4, drop = FALSE])))
  },
  kmsummary = {
    f <- survfit(Surv(time, status) ~ group, data = d, conf.type = "log", conf.int = level)
    tab <- summary(f, rmean = tau)$table
    if (is.null(dim(tab))) tab <- t(as.matrix(tab))
    cols <- c("median", grep("LCL$", colnames(tab), value = TRUE), grep("UCL$", colnames(tab), value = TRUE), "rmean", "se(rmean)")
    z <- qnorm(1 - (1 - level) / 2)
    diffs <- if (nrow(tab) > 1) unlist(lapply(2:nrow(tab), function(k) {
      est <- tab[k, "rmean"] - tab[1, "rmean"]; se <- sqrt(tab[k, "se(rmean)"]^2 + tab[1, "se(rmean)"]^2)
      c(est, se, est / se, 2 * pnorm(-abs(est / se)), est - z * se, est + z * se)
    })) else numeric(0)
    c(as.vector(t(tab[, cols, drop = FALSE])), diffs)
  },
  stop("unknown kind"))
cat(paste(fmt(out), collapse = ","), "\n", sep = "")
