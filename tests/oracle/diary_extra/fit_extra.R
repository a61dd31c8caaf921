# nlme::lme fits of the extra diary sets (short series, many missing days).
# Usage: Rscript fit_extra.R <dir>   reads <dir>/*.csv, writes <dir>/extra_fits.json
# Preparation identical to ../diary/README.md (copied from the shared fit_diary.R).
suppressPackageStartupMessages({library(nlme); library(jsonlite)})
dir <- commandArgs(trailingOnly = TRUE)[1]
prep_diary <- function(raw) {
  d <- raw
  d$role <- factor(d$role, levels = c("female", "male"))
  x_gm <- mean(d$x, na.rm = TRUE)
  pm <- tapply(d$x, d$person, function(v) mean(v, na.rm = TRUE))
  d$x_pm <- unname(pm[as.character(d$person)])
  d$x_b <- d$x_pm - x_gm
  d$x_w <- d$x - d$x_pm
  key <- paste(d$couple, d$day, d$role)
  pkey <- paste(d$couple, d$day, ifelse(d$role == "female", "male", "female"))
  d$x_w_partner <- d$x_w[match(pkey, key)]
  pers <- unique(d[, c("couple", "role", "x_b")])
  pb <- paste(pers$couple, pers$role)
  d$x_b_partner <- pers$x_b[match(paste(d$couple, ifelse(d$role == "female", "male", "female")), pb)]
  d$used_lapim <- complete.cases(d[, c("y", "x_w", "x_w_partner", "x_b", "x_b_partner")])
  d
}
ctrl <- lmeControl(maxIter = 1000, msMaxIter = 1000)
f_dist <- y ~ 0 + role + role:x_w + role:x_w_partner + role:x_b + role:x_b_partner
one <- function(fit) {
  D <- pdMatrix(fit$modelStruct$reStruct[[1]]) * fit$sigma^2
  vs <- fit$modelStruct$varStruct
  sdr <- if (is.null(vs)) c(female = fit$sigma, male = fit$sigma) else
    (fit$sigma * coef(vs, unconstrained = FALSE, allCoef = TRUE))[c("female", "male")]
  tt <- summary(fit)$tTable
  list(est = unname(tt[, "Value"]), se = unname(tt[, "Std.Error"]), df = unname(tt[, "DF"]),
       terms = rownames(tt), logLik = as.numeric(logLik(fit)), re_cov = unname(D),
       sd_by_role = unname(sdr), rho = unname(coef(fit$modelStruct$corStruct, unconstrained = FALSE)),
       n_obs = fit$dims$N)
}
res <- list()
for (f in list.files(dir, pattern = "\\.csv$")) {
  d <- prep_diary(read.csv(file.path(dir, f)))
  du <- d[d$used_lapim, ]
  nm <- sub("\\.csv$", "", f)
  dist <- function(m, rnd) lme(f_dist, random = rnd, weights = varIdent(form = ~ 1 | role),
                               correlation = corCompSymm(form = ~ 1 | couple/day), data = du, method = m, control = ctrl)
  safe <- function(expr) tryCatch(one(expr), error = function(e) NULL)   # nlme may fail
  out <- list(dist_ri_reml = safe(dist("REML", ~ 0 + role | couple)),
              dist_ri_ml = safe(dist("ML", ~ 0 + role | couple)),
              indist_ri_reml = safe(lme(y ~ x_w + x_w_partner + x_b + x_b_partner,
                                        random = list(couple = pdCompSymm(~ 0 + role)),
                                        correlation = corCompSymm(form = ~ 1 | couple/day),
                                        data = du, method = "REML", control = ctrl)),
              dist_rs_reml = safe(dist("REML", ~ 0 + role + role:x_w | couple)))
  out <- out[!vapply(out, is.null, logical(1))]
  res[[nm]] <- out
}
res$meta <- list(R = R.version.string, nlme = as.character(packageVersion("nlme")))
write_json(res, file.path(dir, "extra_fits.json"), digits = NA, auto_unbox = TRUE, pretty = TRUE)
