// pg_cron scheduling of the periodic jobs (ARCHITECTURE.md §10): app.schedule_jobs,
// app.unschedule_jobs, app.job_status. SQL: sql/install/90_rpc_jobs.sql.
//
// The jobs are mps's cron_* and upkeep RPCs under stable names (mps_*): pg_cron keys a job by
// name and user, so scheduling again changes the jobs in place. They run as the role mps_jobs
// (sec.prepare_job_role: LOGIN, no password, EXECUTE on exactly the job functions), which counts
// as a platform administrator inside the functions it may execute (pg/identity); where the
// extension owner is no superuser (pg_cron then refuses a job for another user), they run as the
// owner.
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.hpp"
#include "pg/convert.hpp"
#include "pg/entry.hpp"
#include "pg/identity.hpp"
#include "pg/srf.hpp"

using namespace mps;
using namespace mps::pg;

namespace {

struct Job {
    const char* name;
    const char* schedule;  // the default, in pg_cron's time zone (GMT for pg_cron 1.4)
    const char* command;
    const char* function;  // what mps_jobs may EXECUTE for it
};

// The README's operations chapter lists the same table.
const Job kJobs[] = {
    {"mps_expire_cards", "*/10 * * * *", "SELECT app.cron_expire_cards()", "app.cron_expire_cards()"},
    {"mps_expire_recharge_orders", "* * * * *", "SELECT app.cron_expire_recharge_orders()",
     "app.cron_expire_recharge_orders()"},
    {"mps_rotate_qr", "*/5 * * * *", "SELECT app.cron_rotate_qr_tokens(300)", "app.cron_rotate_qr_tokens(integer)"},
    {"mps_cleanup_qr_history", "41 3 * * 0", "SELECT app.cron_cleanup_qr_history()",
     "app.cron_cleanup_qr_history(integer)"},
    {"mps_partitions", "17 2 * * *", "SELECT app.ensure_partitions()", "app.ensure_partitions(integer)"},
    {"mps_archive_partitions", "27 2 * * *", "SELECT count(*) FROM app.archive_partitions()",
     "app.archive_partitions(integer)"},
    {"mps_settle_t_plus_1", "30 0 * * *", "SELECT app.cron_settle_t_plus_1()", "app.cron_settle_t_plus_1(date)"},
};

const Job* find_job(std::string_view name) {
    for (const Job& j : kJobs)
        if (name == j.name) return &j;
    return nullptr;
}

std::vector<std::string_view> job_names() {
    std::vector<std::string_view> names;
    for (const Job& j : kJobs) names.push_back(j.name);
    return names;
}

// Five fields of digits, '*', ',', '-' and '/', or one of pg_cron's @ words; pg_cron checks
// the ranges itself.
bool plausible_schedule(const std::string& s) {
    static const char* const words[] = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@hourly"};
    for (const char* w : words)
        if (s == w) return true;
    if (s.empty() || s.size() > 100) return false;
    int fields = 0;
    bool in_field = false;
    for (char c : s) {
        if (c == ' ') {
            in_field = false;
            continue;
        }
        if (!std::isdigit(static_cast<unsigned char>(c)) && c != '*' && c != ',' && c != '-' && c != '/') return false;
        if (!in_field) ++fields;
        in_field = true;
    }
    return fields == 5;
}

// Whether pg_cron is installed in this database (it can only be installed in the database
// cron.database_name names).
bool pg_cron_installed(Spi& spi) {
    static Statement stmt(SPI_OK_SELECT, "SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron'", {});
    return !spi.run(stmt, {}).empty();
}

void require_pg_cron(Spi& spi) {
    if (!pg_cron_installed(spi))
        fail(err::SCHEDULER_NOT_AVAILABLE, "pg_cron is not installed in this database.",
             "Add pg_cron to shared_preload_libraries, set cron.database_name to this database, restart, "
             "CREATE EXTENSION pg_cron; then call app.schedule_jobs() again.");
}

// The jobs' rows in cron.job as the function result (the same for schedule_jobs and job_status).
void add_job_rows(Spi& spi, TableResult& out) {
    static Statement jobs(
        SPI_OK_SELECT,
        "SELECT j.jobname::text, j.schedule, j.command, j.username, j.active, j.jobid, r.status, r.start_time,"
        "       r.end_time, left(r.return_message, 200),"
        "       (SELECT count(*) FROM cron.job_run_details d WHERE d.jobid = j.jobid"
        "           AND d.start_time > clock_timestamp() - interval '1 day'),"
        "       (SELECT count(*) FROM cron.job_run_details d WHERE d.jobid = j.jobid AND d.status = 'failed'"
        "           AND d.start_time > clock_timestamp() - interval '1 day')"
        "  FROM cron.job j"
        "  LEFT JOIN LATERAL (SELECT d.status, d.start_time, d.end_time, d.return_message"
        "                       FROM cron.job_run_details d WHERE d.jobid = j.jobid"
        "                      ORDER BY d.runid DESC LIMIT 1) r ON true"
        " WHERE j.jobname = ANY ($1) AND j.database = current_database()"
        " ORDER BY j.jobname",
        {TEXTARRAYOID});
    SpiResult r = spi.run(jobs, {p_datum(text_array_datum(job_names()))});
    for (uint64_t i = 0; i < r.size(); ++i)
        out.add({r[i].cell(1), r[i].cell(2), r[i].cell(3), r[i].cell(4), r[i].cell(5), r[i].cell(6), r[i].cell(7),
                 r[i].cell(8), r[i].cell(9), r[i].cell(10), r[i].cell(11), r[i].cell(12)});
}

}  // namespace

// Schedules every job (p_schedules: {"job name": "cron schedule" to change one, or null to leave
// it unscheduled}); returns the jobs as pg_cron now has them.
MPS_ENTRY(mps_schedule_jobs, p_schedules) {
    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "schedule the jobs");
    require_pg_cron(spi);

    std::vector<std::string> schedules;
    std::vector<bool> wanted;
    for (const Job& j : kJobs) {
        schedules.emplace_back(j.schedule);
        wanted.push_back(true);
    }
    if (args.has(p_schedules)) {
        static Statement each(SPI_OK_SELECT,
                              "SELECT jsonb_typeof($1) = 'object', e.key, jsonb_typeof(e.value), e.value #>> '{}'"
                              "  FROM (SELECT 1) one LEFT JOIN LATERAL"
                              "       (SELECT * FROM jsonb_each(CASE jsonb_typeof($1) WHEN 'object' THEN $1 END)) e ON true",
                              {JSONBOID});
        SpiResult r = spi.run(each, {p_datum(args.datum(p_schedules))});
        if (!r[0].boolean(1))
            fail(err::INVALID_ARGUMENT, "p_schedules must be a JSON object of job names and cron schedules.");
        for (uint64_t i = 0; i < r.size(); ++i) {
            if (r[i].is_null(2)) continue;  // an empty object
            const std::string name = r[i].string(2);
            const Job* job = find_job(name);
            if (!job) fail(err::INVALID_ARGUMENT, "p_schedules names no mps job: " + name + ".");
            const size_t k = size_t(job - kJobs);
            const std::string type = r[i].string(3);
            if (type == "null") {
                wanted[k] = false;
                continue;
            }
            const std::string schedule = type == "string" ? r[i].string(4) : std::string();
            if (!plausible_schedule(schedule))
                fail(err::INVALID_ARGUMENT, "The schedule of " + name + " is not a cron schedule (five fields or @daily …).");
            schedules[k] = schedule;
        }
    }

    // The role the jobs run as, and what it may execute.
    std::vector<std::string_view> functions;
    for (const Job& j : kJobs) functions.push_back(j.function);
    static Statement role(SPI_OK_SELECT, "SELECT sec.prepare_job_role($1)", {TEXTARRAYOID});
    const std::string run_as = spi.run(role, {p_datum(text_array_datum(functions))})[0].string(1);

    // A job of the same name under another user (scheduled before as another role) goes first.
    static Statement others(SPI_OK_SELECT,
                            "SELECT cron.unschedule(jobid) FROM cron.job"
                            " WHERE jobname = $1 AND database = current_database() AND (username <> $2 OR NOT $3)",
                            {TEXTOID, TEXTOID, BOOLOID});
    static Statement schedule(SPI_OK_SELECT,
                              "SELECT cron.schedule_in_database($1, $2, $3, current_database(), $4, true)",
                              {TEXTOID, TEXTOID, TEXTOID, TEXTOID});
    for (size_t k = 0; k < std::size(kJobs); ++k) {
        const Job& j = kJobs[k];
        spi.run(others, {p_text(j.name), p_text(run_as), p_datum(BoolGetDatum(wanted[k]))});
        if (wanted[k]) spi.run(schedule, {p_text(j.name), p_text(schedules[k]), p_text(j.command), p_text(run_as)});
    }
    TableResult out(args.fcinfo());
    add_job_rows(spi, out);
    spi.finish();
    return Datum(0);
}

// Unschedules every mps job of this database; returns how many.
MPS_ENTRY(mps_unschedule_jobs) {
    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "unschedule the jobs");
    require_pg_cron(spi);
    static Statement stmt(SPI_OK_SELECT,
                          "SELECT count(*) FILTER (WHERE cron.unschedule(jobid)) FROM cron.job"
                          " WHERE jobname = ANY ($1) AND database = current_database()",
                          {TEXTARRAYOID});
    const int64_t n = spi.run(stmt, {p_datum(text_array_datum(job_names()))})[0].integer(1);
    spi.finish();
    PG_RETURN_INT32(int32_t(n));
}

// The mps jobs of this database with their last run and the last day's runs and failures; no
// rows where pg_cron is not installed.
MPS_ENTRY(mps_job_status) {
    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "read the job status");
    TableResult out(args.fcinfo());
    if (pg_cron_installed(spi)) add_job_rows(spi, out);
    spi.finish();
    return Datum(0);
}
