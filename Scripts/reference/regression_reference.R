#!/usr/bin/env Rscript
# Reference regressions from R's estimatr, clubSandwich, sandwich and stats for ProefStats' tests
# of several arms, fixed effects, subgroups, odds ratios and the intra-cluster correlation.
# Usage: Rscript regression_reference.R KIND data.csv CONTROL
# The CSV has y and, by kind, arm (the control arm named CONTROL becomes the reference level; the
# other levels keep R's sorted order), covariates x1, x2, ... (every column whose name starts
# with x, in name order), block, cl (clusters) and subgroup.
#   KIND = arms          lm_robust(y ~ arm [+ x...], [fixed_effects = ~ block,] se_type = "HC2"),
#                        or with clusters = cl and se_type = "CR2" when a cl column is present
#        = lin           lm_lin(y ~ arm, covariates = ~ x1 + ..., [clusters = cl,] se_type = HC2 or CR2)
#        = clubsandwich  lm(y ~ arm [+ x...] [+ factor(block)]) with vcovCR(cluster = cl, type = "CR2")
#                        and coef_test / conf_int with test = "Satterthwaite"
#          For these three: per non-control arm, estimate, std.error, df, p.value, conf.low, conf.high.
#        = subgroups     lm_robust(y ~ arm * subgroup [+ x...], se_type = "HC2"). Per non-control arm
#                        and per subgroup level (arm by arm, levels in order): the effect in that level,
#                        b_arm + b_arm:level, with sqrt(c'Vc), df.residual, p, conf.low, conf.high; then
#                        the Wald F test that all arm:subgroup coefficients are zero (F = b'V^-1 b / q,
#                        df q and df.residual, as car::linearHypothesis(fit, test = "F") computes it):
#                        F, q, df2, p; then the same test for each arm's interactions.
#        = logistic      glm(y ~ arm [+ x...], family = binomial) to full convergence (epsilon 1e-14),
#                        with sandwich::vcovHC(type = "HC0"). Per non-control arm: log odds ratio, robust
#                        se, z, p, conf.low, conf.high (normal), odds ratio and its limits, model-based se;
#                        then the deviance.
#        = icc           anova(lm(y ~ factor(cl))): MS between, MS within, n0 = (N - sum(n_i^2)/N)/(k - 1),
#                        and the ANOVA intra-cluster correlation (MSB - MSW) / (MSB + (n0 - 1) MSW).
# Everything is printed on one line, comma separated, with %.17g.
suppressPackageStartupMessages({ library(estimatr); library(clubSandwich); library(sandwich) })
args <- commandArgs(trailingOnly = TRUE)
kind <- args[1]
header <- names(read.csv(args[2], nrows = 1))
labels <- intersect(c("arm", "block", "cl", "subgroup"), header)
d <- read.csv(args[2], colClasses = setNames(rep("character", length(labels)), labels))
if ("arm" %in% names(d)) d$arm <- relevel(factor(d$arm), ref = args[3])
if ("subgroup" %in% names(d)) d$subgroup <- factor(d$subgroup)
xs <- sort(grep("^x", names(d), value = TRUE))
arms <- if ("arm" %in% names(d)) levels(d$arm)[-1] else character(0)
terms <- paste0("arm", arms)
rhs <- paste(c("arm", xs), collapse = " + ")
clustered <- "cl" %in% names(d)
rows <- function(t) as.vector(t(as.matrix(t[match(terms, t$term), c("estimate", "std.error", "df", "p.value", "conf.low", "conf.high")])))

out <- switch(kind,
  arms = {
    f <- as.formula(paste("y ~", rhs))
    fit <- if ("block" %in% names(d) && clustered) lm_robust(f, data = d, fixed_effects = ~ block, clusters = cl, se_type = "CR2")
           else if ("block" %in% names(d)) lm_robust(f, data = d, fixed_effects = ~ block, se_type = "HC2")
           else if (clustered) lm_robust(f, data = d, clusters = cl, se_type = "CR2")
           else lm_robust(f, data = d, se_type = "HC2")
    rows(tidy(fit))
  },
  lin = {
    cov <- as.formula(paste("~", paste(xs, collapse = " + ")))
    fit <- if (clustered) lm_lin(y ~ arm, covariates = cov, data = d, clusters = cl, se_type = "CR2")
           else lm_lin(y ~ arm, covariates = cov, data = d, se_type = "HC2")
    rows(tidy(fit))
  },
  clubsandwich = {
    f <- as.formula(paste("y ~", rhs, if ("block" %in% names(d)) "+ factor(block)" else ""))
    fit <- lm(f, data = d)
    V <- vcovCR(fit, cluster = d$cl, type = "CR2")
    ct <- coef_test(fit, vcov = V, test = "Satterthwaite", coefs = terms)
    ci <- conf_int(fit, vcov = V, test = "Satterthwaite", coefs = terms, level = 0.95)
    as.vector(rbind(ct$beta, ct$SE, ct$df_Satt, ct$p_Satt, ci$CI_L, ci$CI_U))
  },
  subgroups = {
    fit <- lm_robust(as.formula(paste("y ~ arm * subgroup", if (length(xs)) paste("+", paste(xs, collapse = " + ")) else "")),
                     data = d, se_type = "HC2")
    b <- coef(fit); V <- vcov(fit); df <- fit$df.residual
    lv <- levels(d$subgroup)
    effects <- unlist(lapply(arms, function(a) unlist(lapply(lv, function(l) {
      c <- setNames(rep(0, length(b)), names(b))
      c[paste0("arm", a)] <- 1
      if (l != lv[1]) c[paste0("arm", a, ":subgroup", l)] <- 1
      est <- sum(c * b); se <- sqrt(drop(t(c) %*% V %*% c)); q <- qt(0.975, df)
      c(est, se, df, 2 * pt(-abs(est / se), df), est - q * se, est + q * se)
    }))))
    wald <- function(idx) {
      w <- drop(t(b[idx]) %*% solve(V[idx, idx]) %*% b[idx]); q <- length(idx)
      c(w / q, q, df, pf(w / q, q, df, lower.tail = FALSE))
    }
    c(effects, wald(grep(":", names(b))),
      unlist(lapply(arms, function(a) wald(which(startsWith(names(b), paste0("arm", a, ":")))))))
  },
  logistic = {
    fit <- glm(as.formula(paste("y ~", rhs)), family = binomial, data = d, control = glm.control(epsilon = 1e-14, maxit = 100))
    V <- vcovHC(fit, type = "HC0")
    z <- qnorm(0.975)
    c(unlist(lapply(terms, function(t) {
      est <- coef(fit)[[t]]; se <- sqrt(V[t, t])
      c(est, se, est / se, 2 * pnorm(-abs(est / se)), est - z * se, est + z * se, exp(est), exp(est - z * se), exp(est + z * se),
        sqrt(vcov(fit)[t, t]))
    })), deviance(fit))
  },
  icc = {
    a <- anova(lm(y ~ factor(cl), data = d))
    msb <- a[1, "Mean Sq"]; msw <- a[2, "Mean Sq"]
    ni <- as.vector(table(d$cl)); N <- sum(ni); k <- length(ni)
    n0 <- (N - sum(ni^2) / N) / (k - 1)
    c(msb, msw, n0, (msb - msw) / (msb + (n0 - 1) * msw))
  },
  stop("unknown kind"))
cat(paste(sprintf("%.17g", out), collapse = ","), "\n", sep = "")
