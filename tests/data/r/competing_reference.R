# Aalen-Johansen cumulative incidence from R's survival package, for the
# registry's competing-risk endpoints (tests/competing_risk_r_test.cc
# writes the inputs and compares its tables to these to 1e-9).
#
#   Rscript competing_reference.R DIR
#
# Reads every DIR/<endpoint>_input.csv (columns time, status: 0 censored,
# 1 event, 2 competing) and writes DIR/<endpoint>_aj.csv: one row per
# distinct time, as survfit reports it (censoring-only times included),
# numbers with 17 significant digits.
suppressMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args) > 0) args[1] else "."

num <- function(x) sprintf("%.17g", x)
columns <- c("time", "n_risk", "n_event", "n_competing", "n_censor",
             "incidence", "competing_incidence", "event_free")

inputs <- list.files(dir, pattern = "_input[.]csv$")
if (length(inputs) == 0) stop("no inputs in ", dir)
for (file in inputs) {
  name <- sub("_input[.]csv$", "", file)
  input <- read.csv(file.path(dir, file))
  stopifnot(all(input$status %in% 0:2))
  if (nrow(input) == 0) {
    out <- as.data.frame(setNames(replicate(length(columns), character(0),
                                            simplify = FALSE), columns))
  } else {
    # The levels are given so the states are "(s0)", "1" and "2" even when
    # one of them is never reached.
    fit <- survfit(Surv(time, factor(status, 0:2)) ~ 1, data = input)
    s0 <- which(fit$states == "(s0)")
    event <- which(fit$states == "1")
    competing <- which(fit$states == "2")
    stopifnot(length(s0) == 1, length(event) == 1, length(competing) == 1)
    out <- data.frame(
      time = num(fit$time),
      n_risk = num(fit$n.risk[, s0]),
      n_event = num(fit$n.event[, event]),
      n_competing = num(fit$n.event[, competing]),
      n_censor = num(fit$n.censor),
      incidence = num(fit$pstate[, event]),
      competing_incidence = num(fit$pstate[, competing]),
      event_free = num(fit$pstate[, s0]))
  }
  write.csv(out, file.path(dir, paste0(name, "_aj.csv")), row.names = FALSE,
            quote = FALSE)
}
