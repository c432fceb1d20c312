# Makes the reference results in this folder with the R package msprog
# 1.0.0 (github.com/noemimontobbio/msprog, tag v1.0.0), which is not in
# Debian and is not needed to run the tests: its outputs are stored here.
#
#   Rscript tests/data/msprog_2025/make_expected.R [OUTDIR]
#
# with msprog 1.0.0 and dplyr installed (R_LIBS may point at them). It
# writes synthetic_visits.csv and synthetic_relapses.csv (a seeded cohort
# that exercises relapses near visits), then, for each setting below and
# each data set (msprog's toy data in ../msprog_toy and the synthetic
# cohort), msprog's results table unmodified as <dataset>_<setting>.csv,
# into OUTDIR (default: this folder). Where msprog 1.0.0 is installed the
# unit tests run it so and compare its files with the stored ones.
# tests/disability_2025_test.cc gives the registry each setting's
# definition and compares every event.
suppressPackageStartupMessages(library(msprog))
stopifnot(packageVersion("msprog") == "1.0.0")

args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
out <- commandArgs(trailingOnly = TRUE)
out <- if (length(out) > 0) out[1] else here

# --- Synthetic cohort ------------------------------------------------------
set.seed(20251203)
start <- as.Date("2015-01-01")
visits <- list()
relapses <- list()
for (id in 1:400) {
  first <- start + sample(0:1500, 1)
  nvis <- sample(6:28, 1)
  # Gaps around the usual confirmation delays, some short and some long.
  gaps <- sample(c(28, 42, 60, 84, 90, 120, 168, 180, 270, 365, 400),
                 nvis - 1, replace = TRUE) + sample(-10:10, nvis - 1, TRUE)
  day <- c(0, cumsum(pmax(gaps, 7)))
  span <- day[nvis]
  # Relapses: about one every two years, a fifth of them on a visit day and
  # some a few days before or after one.
  nrel <- rpois(1, span / 730)
  rel <- sort(unique(vapply(seq_len(nrel), function(i) {
    u <- runif(1)
    if (u < 0.2) sample(day, 1)
    else if (u < 0.4) sample(day, 1) + sample(c(-40:-1, 1:40), 1)
    else sample(-20:span, 1)
  }, numeric(1))))
  edss <- numeric(nvis)
  edss[1] <- sample(seq(0, 6.5, 0.5), 1)
  for (v in 2:nvis) {
    step <- sample(c(0, 0, 0, 0.5, 1, -0.5, -1, 1.5), 1,
                   prob = c(.3, .15, .1, .17, .1, .1, .05, .03))
    # A visit within 90 days after a relapse often shows a bump.
    if (any(rel <= day[v] & rel > day[v] - 90) && runif(1) < 0.5) step <- step + 1
    edss[v] <- min(9.5, max(0, edss[v - 1] + step))
  }
  visits[[id]] <- data.frame(id = as.character(id), date = first + day,
                             EDSS = edss)
  if (length(rel) > 0) {
    relapses[[id]] <- data.frame(id = as.character(id), date = first + rel)
  }
}
synthetic_visits <- do.call(rbind, visits)
synthetic_relapses <- do.call(rbind, relapses)
write.csv(synthetic_visits, file.path(out, "synthetic_visits.csv"),
          row.names = FALSE)
write.csv(synthetic_relapses, file.path(out, "synthetic_relapses.csv"),
          row.names = FALSE)

toy_visits <- read.csv(file.path(here, "../msprog_toy/visits.csv"),
                       colClasses = c(id = "character"))
toy_relapses <- read.csv(file.path(here, "../msprog_toy/relapses.csv"),
                         colClasses = c(id = "character"))
datasets <- list(
  toy = list(visits = toy_visits, relapses = toy_relapses),
  synthetic = list(visits = synthetic_visits, relapses = synthetic_relapses))

# --- Settings ----------------------------------------------------------------
# Each is a list of MSprog arguments; relapse_indep as relapse_indep_from_bounds.
b <- relapse_indep_from_bounds
settings <- list(
  # The two worked examples of msprog's vignette_PIRA.Rmd.
  vignette_muller2023 = list(
    conf_days = c(84, 168), conf_tol_days = c(0, Inf), event = "firstPIRA",
    baseline = "roving", relapse_indep = b(0, 0, 90, 30, 90, 30)),
  vignette_kappos2020 = list(
    conf_days = c(84, 168), conf_tol_days = c(0, Inf), event = "firstPIRA",
    baseline = "fixed", relapse_rebl = TRUE,
    relapse_indep = b(0, NULL, NULL, 30, 30, 30)),
  # The registry's presets.
  muller2025 = list(
    conf_days = 365, conf_tol_days = c(0, Inf), event = "firstPIRA",
    baseline = "roving", relapse_rebl = TRUE, relapse_to_conf = 30,
    relapse_indep = b(0, NULL, NULL, 0, prec_type = "last")),
  portaccio2025 = list(
    conf_days = 168, event = "firstPIRA", baseline = "roving",
    relapse_indep = b(0, 0, 90, 30, 0, 0)),
  # Each new option alone and in combination, every event kept.
  multiple_rebl_fixed = list(event = "multiple", RAW_PIRA = TRUE,
                             relapse_rebl = TRUE),
  multiple_rebl_roving_last = list(
    event = "multiple", RAW_PIRA = TRUE, baseline = "roving",
    relapse_rebl = TRUE, conf_days = c(84, 168),
    relapse_indep = b(0, NULL, NULL, 0, 30, 30, prec_type = "last")),
  multiple_raw_pira = list(event = "multiple", RAW_PIRA = TRUE),
  first_cdw_sust365 = list(event = "firstCDW", RAW_PIRA = TRUE,
                           require_sust_days = 365),
  multiple_roving_sust_end = list(event = "multiple", RAW_PIRA = TRUE,
                                  baseline = "roving",
                                  require_sust_days = Inf),
  first_cdi_rebl = list(event = "firstCDI", relapse_rebl = TRUE),
  first_rebl = list(event = "first", RAW_PIRA = TRUE, relapse_rebl = TRUE),
  first_raw_rebl = list(event = "firstRAW", relapse_rebl = TRUE),
  first_pira_rebl_sust = list(event = "firstPIRA", relapse_rebl = TRUE,
                              require_sust_days = 168),
  cagol2022 = list(event = "multiple", RAW_PIRA = TRUE, baseline = "roving",
                   relapse_indep = b(0, 0, 90, NULL, NULL, 0)),
  high_specificity = list(event = "multiple", RAW_PIRA = TRUE,
                          relapse_indep = b(0, NULL, NULL, NULL, NULL, 0)),
  last_delta = list(event = "multiple", RAW_PIRA = TRUE,
                    relapse_indep = b(30, 30, 90, 30, 0, 0,
                                      prec_type = "last_delta")))

for (dataset in names(datasets)) {
  d <- datasets[[dataset]]
  for (name in names(settings)) {
    call <- c(list(data = d$visits, subj_col = "id", value_col = "EDSS",
                   date_col = "date", outcome = "edss",
                   relapse = d$relapses, include_dates = TRUE,
                   include_values = TRUE, verbose = 0),
              settings[[name]])
    output <- do.call(MSprog, call)
    write.csv(output$results,
              file.path(out, paste0(dataset, "_", name, ".csv")),
              row.names = FALSE)
  }
}
