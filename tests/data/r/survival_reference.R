# Reference values from R's survival package for the registry's survival
# statistics (tests/survival_test.cc compares to them to 1e-9).
#
#   Rscript survival_reference.R OUTDIR
#
# Writes the inputs (generated with a fixed seed) and R's results as CSV,
# numbers with 17 significant digits, "NA" for missing values.
suppressMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) > 0) args[1] else "."
dir.create(out, showWarnings = FALSE, recursive = TRUE)

num <- function(x) ifelse(is.na(x) | is.nan(x) | is.infinite(x), "NA",
                          sprintf("%.17g", x))
put <- function(df, name) {
  for (col in names(df)) if (is.numeric(df[[col]])) df[[col]] <- num(df[[col]])
  write.csv(df, file.path(out, name), row.names = FALSE, quote = FALSE)
}

# A cohort with ties, censoring at event times and three strata; `cause`
# is 0 censored, 1 event, 2 death (competing).
set.seed(20261121)
n <- 240
input <- data.frame(
  time = sample(1:48, n, replace = TRUE) * 30,
  cause = sample(0:2, n, replace = TRUE, prob = c(0.45, 0.4, 0.15)),
  stratum = sample(c("A", "B", "C"), n, replace = TRUE))
input$status <- as.integer(input$cause == 1)
put(input[, c("time", "status", "cause", "stratum")], "cohort_input.csv")

# The toy first-CDW times of msprog's data.
toy <- data.frame(time = c(140, 198, 292, 372, 491, 491, 586),
                  status = c(1, 1, 1, 1, 0, 0, 0))
put(toy, "toy_input.csv")

km_table <- function(fit, stratum = "") {
  data.frame(stratum = stratum, time = fit$time, n_risk = fit$n.risk,
             n_event = fit$n.event, n_censor = fit$n.censor, surv = fit$surv,
             std_err = fit$std.err * fit$surv, lower = fit$lower,
             upper = fit$upper)
}
# The median and its interval as print(fit) shows them (the curves), and
# as quantile(fit, 0.5) gives them (the median follow-up); they differ only
# where the curve stays at exactly 0.5 to its last time.
medians <- function(fit, stratum = "") {
  m <- summary(fit)$table
  data.frame(stratum = stratum, median = unname(m["median"]),
             lower = unname(m["0.95LCL"]), upper = unname(m["0.95UCL"]))
}
quantiles <- function(fit, stratum = "") {
  q <- quantile(fit, 0.5)
  data.frame(stratum = stratum, median = unname(q$quantile),
             lower = unname(q$lower), upper = unname(q$upper))
}
times <- c(0, 365, 730, 1095, 1825)
at_times <- function(fit, stratum = "") {
  s <- summary(fit, times = times)
  data.frame(stratum = stratum, time = s$time, n_risk = s$n.risk,
             n_event = s$n.event, n_censor = s$n.censor, surv = s$surv,
             std_err = s$std.err, lower = s$lower, upper = s$upper)
}

for (type in c("log", "log-log", "plain")) {
  fit <- survfit(Surv(time, status) ~ 1, data = toy, conf.type = type)
  put(km_table(fit), sprintf("toy_km_%s.csv", type))
  put(medians(fit), sprintf("toy_median_%s.csv", type))

  tables <- list(); meds <- list(); sums <- list()
  overall <- survfit(Surv(time, status) ~ 1, data = input, conf.type = type)
  tables[[1]] <- km_table(overall)
  meds[[1]] <- medians(overall)
  sums[[1]] <- at_times(overall)
  for (s in c("A", "B", "C")) {
    fit <- survfit(Surv(time, status) ~ 1, data = input[input$stratum == s, ],
                   conf.type = type)
    tables[[length(tables) + 1]] <- km_table(fit, s)
    meds[[length(meds) + 1]] <- medians(fit, s)
    sums[[length(sums) + 1]] <- at_times(fit, s)
  }
  put(do.call(rbind, tables), sprintf("cohort_km_%s.csv", type))
  put(do.call(rbind, meds), sprintf("cohort_median_%s.csv", type))
  put(do.call(rbind, sums), sprintf("cohort_times_%s.csv", type))
}

lr <- survdiff(Surv(time, status) ~ stratum, data = input)
put(data.frame(stratum = c("A", "B", "C"), n = as.numeric(lr$n),
               observed = lr$obs, expected = lr$exp,
               chisq = lr$chisq, df = length(lr$n) - 1,
               p = pchisq(lr$chisq, length(lr$n) - 1, lower.tail = FALSE)),
    "cohort_logrank.csv")

aj <- survfit(Surv(time, factor(cause, 0:2, c("censor", "event", "death"))) ~ 1,
              data = input)
states <- aj$states
put(data.frame(time = aj$time, n_risk = aj$n.risk[, 1],
               event_free = aj$pstate[, which(states == "(s0)")],
               incidence = aj$pstate[, which(states == "event")],
               competing = aj$pstate[, which(states == "death")]),
    "cohort_aalen_johansen.csv")

reverse <- survfit(Surv(time, 1 - status) ~ 1, data = input)
put(quantiles(reverse), "cohort_followup.csv")
