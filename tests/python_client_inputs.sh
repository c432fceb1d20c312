# The input files of tests/python_client_test.sh, which sources this file:
# write_inputs writes them into $work.
write_inputs() {
  cat >"$work/patients.csv" <<'EOF'
patient_id,sex,birth_year,disease,diagnosis_date
P1,F,1985,RRMS,2012-03-01
P2,M,1990,RRMS,2014-05-01
EOF
  cat >"$work/transplants.csv" <<'EOF'
patient_id,transplant_date,type,regimen
P1,2018-01-10,autologous,BEAM-ATG
P2,2018-02-01,autologous,CY-ATG
EOF
  cat >"$work/mri.csv" <<'EOF'
patient_id,scan_date,new_t2,enlarging_t2,gd_enhancing
P1,2018-08-01,0,0,0
P1,2019-08-01,0,0,0
P2,2018-09-01,0,0,0
P2,2019-09-01,0,0,0
EOF
  # P1 worsens from EDSS 3.0 to 4.0 on 2019-01-01, confirmed 151 days later;
  # P2 stays stable. Columns in another order than the documented one.
  cat >"$work/visits.csv" <<'EOF'
visit_date,patient_id,edss
2018-01-05,P1,3.0
2018-07-01,P1,3.0
2019-01-01,P1,4.0
2019-06-01,P1,4.0
2018-01-20,P2,2.0
2018-08-01,P2,2.0
2019-09-01,P2,2.0
EOF
  cat >"$work/bad-visits.csv" <<'EOF'
patient_id,visit_date,edss
P1,2020-01-01,0.5
P2,2020-01-01,3.0
EOF
  cat >"$work/unparsable-visits.csv" <<'EOF'
patient_id,visit_date,edss
P1,01/02/2020,3.0
EOF
  echo "rgt_not_a_valid_token" >"$work/wrong.token"
  write_kind_inputs "$work/kinds"
}

# A file of every kind for S1 (systemic sclerosis: NEDA is not evaluable)
# and M1 (RRMS), the columns of the patients in another order than the
# documented one; and files with bad rows.
write_kind_inputs() {
  local d=$1
  mkdir -p "$d"
  cat >"$d/patients.csv" <<'EOF'
disease,patient_id,sex,diagnosis_date,birth_year
SSC,S1,F,2016-04-01,1975
RRMS,M1,M,2012-09-15,1988
EOF
  cat >"$d/transplants.csv" <<'EOF'
patient_id,transplant_date,type,regimen
S1,2019-03-01,autologous,CY-ATG
M1,2018-05-01,autologous,BEAM-ATG
EOF
  cat >"$d/visits.csv" <<'EOF'
patient_id,visit_date,edss
M1,2018-04-20,3.0
M1,2018-11-01,2.5
M1,2019-11-01,2.5
EOF
  cat >"$d/relapses.csv" <<'EOF'
patient_id,onset_date
M1,2017-06-01
EOF
  cat >"$d/mri.csv" <<'EOF'
patient_id,scan_date,new_t2,enlarging_t2,gd_enhancing,brain_volume_change_pct
M1,2018-11-10,0,0,0,
M1,2019-11-10,0,0,0,-0.25
EOF
  cat >"$d/treatments.csv" <<'EOF'
patient_id,drug,start_date,end_date,class,dose,dose_unit,protocol
S1,cyclophosphamide,2019-02-20,2019-02-23,immunosuppressant,2000,mg/m2,yes
S1,prednisolone,2019-06-01,,corticosteroid,7.5,mg/day,no
M1,ocrelizumab,2016-01-10,2017-12-01,dmt,,,
EOF
  # A file from before treatments had a class, dose and protocol.
  cat >"$d/treatments-old.csv" <<'EOF'
patient_id,drug,start_date,end_date
M1,natalizumab,2014-03-01,2015-12-01
EOF
  cat >"$d/adverse_events.csv" <<'EOF'
patient_id,onset_date,category,grade,resolution_date,description
S1,2019-03-20,viral_reactivation,2,2019-04-02,CMV reactivation
S1,2019-06-01,infection,3,,
EOF
  cat >"$d/engraftment.csv" <<'EOF'
patient_id,transplant_date,neutrophil_date,platelet_date
S1,2019-03-01,2019-03-12,2019-03-15
M1,2018-05-01,2018-05-11,
EOF
  cat >"$d/disease_status.csv" <<'EOF'
patient_id,status_date,status
S1,2020-03-01,improved
S1,2021-03-01,remission
EOF
  cat >"$d/deaths.csv" <<'EOF'
patient_id,death_date,cause,cause_code
S1,2022-01-10,sepsis,infection
EOF
  # Line 2 is valid; line 3 breaks a column's rules (checked locally).
  cat >"$d/bad-adverse_events.csv" <<'EOF'
patient_id,onset_date,category,grade
M1,2018-06-01,infection,2
M1,2018-07-01,fungal,7
EOF
  cat >"$d/bad-treatments.csv" <<'EOF'
patient_id,drug,start_date,class,dose,dose_unit,protocol
M1,interferon,2019-01-01,dmt,30,ug/week,no
M1,prednisone,2019-02-01,steroid,-5,mg/day,maybe
EOF
  cat >"$d/bad-deaths.csv" <<'EOF'
patient_id,death_date,cause_code
M1,2023-01-01,sepsis
EOF
  cat >"$d/bad-engraftment.csv" <<'EOF'
patient_id,neutrophil_date,anc
M1,2018-05-11,0.6
EOF
  # Valid cells, but rules the server checks: GvHD needs an allogeneic
  # transplant; chronic GvHD is graded mild, moderate or severe.
  cat >"$d/server-bad-adverse_events.csv" <<'EOF'
patient_id,onset_date,category,grade
M1,2018-06-01,infection,2
M1,2018-07-01,acute_gvhd,II
M1,2018-08-01,chronic_gvhd,3
EOF
}

