// The failure log's queue in shared memory and the backend side of it (see pg/failure_log.hpp).
//
// A ring of fixed-size entries behind one spinlock, held only to copy one entry in or out (no
// call that can fail or sleep runs under it), plus atomic counters read without the lock.
// Backends never wait for the writer: a full ring counts a drop.
#include "pg/failure_log.hpp"

#include <cstring>

#include "core/errors.hpp"
#include "pg/settings.hpp"

extern "C" {
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
}

namespace mps::pg {

namespace {

struct FailureQueue {
    slock_t mutex;  // guards everything up to the counters, and the entries
    uint32 capacity;
    uint64 head;  // entries ever queued; the next one goes to entries[head % capacity]
    uint64 tail;  // entries ever taken by the writer
    pid_t writer_pid;  // 0 while no writer runs
    Latch* writer_latch;
    Oid database;  // the writer's database: InvalidOid until it first connected, then kept
    bool paused;   // as the writer last read mps.failure_log_pause
    pg_atomic_uint64 enqueued, written, dropped, write_errors, not_collected;
};

// Null unless mps was preloaded: the only thing a backend of a server without it checks.
FailureQueue* g_queue = nullptr;

FailureEntry* entries(FailureQueue* q) noexcept {
    return reinterpret_cast<FailureEntry*>(reinterpret_cast<char*>(q) + MAXALIGN(sizeof(FailureQueue)));
}

Size queue_size() {
    return add_size(MAXALIGN(sizeof(FailureQueue)), mul_size(Size(failure_queue_size), sizeof(FailureEntry)));
}

// The money RPCs, by C symbol (so every SQL declaration naming one, 0.1.0's too, is covered):
// the calls that move money, and refused payments.
const char* const kMoneyRpcs[] = {
    "mps_merchant_charge_by_qr",  // payments (vouchers are redeemed by a charge too)
    "mps_merchant_refund_tx",
    // Recharges: by the trusted backend, at a merchant's counter (p_merchant_code), and a member's
    // request that creates a pending recharge order.
    "mps_user_recharge_card",
    "mps_user_recharge_personal_card",
    "mps_user_recharge_enterprise_card_admin",
    "mps_confirm_recharge_order",  // the provider's payment credited
    "mps_adjust_card_balance",     // an operator's correction
    // Not listed: create_voucher_card, cron_expire_cards, freeze/close: administrative acts with
    // audit rows of their own; counted here they would distort the payments' failure rates.
};

bool is_money_rpc(const char* symbol) noexcept {
    for (const char* s : kMoneyRpcs)
        if (std::strcmp(s, symbol) == 0) return true;
    return false;
}

// The failure context of the running outermost call (a backend runs one at a time).
struct FailureContext {
    Oid role = InvalidOid;
    bool has_merchant = false, has_card = false, has_user = false;
    Uuid merchant, card, user;
    char role_name[NAMEDATALEN] = "";
};
FailureContext g_context;

void copy_text(char* dst, size_t size, const char* src) noexcept { strlcpy(dst, src ? src : "", size); }

// The mps code when message is one (an AppError, or RAISE EXCEPTION 'CODE' in SQL), else null.
const char* catalog_code(const char* message) noexcept {
    if (message == nullptr) return nullptr;
    for (int i = 0; i < kErrorCatalogSize; ++i)
        if (std::strcmp(kErrorCatalog[i]->code, message) == 0) return kErrorCatalog[i]->code;
    return nullptr;
}

#if PG_VERSION_NUM >= 150000
shmem_request_hook_type prev_shmem_request_hook = nullptr;
void request_shmem() {
    if (prev_shmem_request_hook) prev_shmem_request_hook();
    RequestAddinShmemSpace(queue_size());
}
#endif

shmem_startup_hook_type prev_shmem_startup_hook = nullptr;

// In the postmaster (again after a crash, on fresh shared memory): the queue, empty.
void startup_shmem() {
    if (prev_shmem_startup_hook) prev_shmem_startup_hook();
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    bool found = false;
    auto* q = static_cast<FailureQueue*>(ShmemInitStruct("mps failure log", queue_size(), &found));
    if (!found) {
        SpinLockInit(&q->mutex);
        q->capacity = uint32(failure_queue_size);
        q->head = q->tail = 0;
        q->writer_pid = 0;
        q->writer_latch = nullptr;
        q->database = InvalidOid;
        q->paused = false;
        for (pg_atomic_uint64* c : {&q->enqueued, &q->written, &q->dropped, &q->write_errors, &q->not_collected})
            pg_atomic_init_u64(c, 0);
    }
    LWLockRelease(AddinShmemInitLock);
    g_queue = q;
}

}  // namespace

void failure_log_init() {
    if (!process_shared_preload_libraries_in_progress) return;
#if PG_VERSION_NUM >= 150000
    prev_shmem_request_hook = shmem_request_hook;
    shmem_request_hook = request_shmem;
#else
    RequestAddinShmemSpace(queue_size());
#endif
    prev_shmem_startup_hook = shmem_startup_hook;
    shmem_startup_hook = startup_shmem;
    register_failure_writer();
}

void failure_context_begin() noexcept {
    g_context.role = GetOuterUserId();
    g_context.has_merchant = g_context.has_card = g_context.has_user = false;
    g_context.role_name[0] = '\0';
}

void note_failure_merchant(const Uuid& merchant_id) noexcept {
    g_context.merchant = merchant_id;
    g_context.has_merchant = true;
}

void note_failure_card(const Uuid& card_id) noexcept {
    g_context.card = card_id;
    g_context.has_card = true;
}

void note_failure_caller(const std::string& role_name, const std::optional<Uuid>& user_id) noexcept {
    copy_text(g_context.role_name, sizeof g_context.role_name, role_name.c_str());
    g_context.has_user = user_id.has_value();
    if (user_id) g_context.user = *user_id;
}

void record_failed_call(const char* symbol, const char* message, const char* sqlstate) noexcept {
    FailureQueue* q = g_queue;
    if (q == nullptr || !is_money_rpc(symbol)) return;
    FailureEntry e;
    std::memset(&e, 0, sizeof e);
    e.at = GetCurrentTimestamp();
    e.database = MyDatabaseId;
    e.role = g_context.role;
    e.has_merchant = g_context.has_merchant;
    e.has_card = g_context.has_card;
    e.has_user = g_context.has_user;
    std::memcpy(e.merchant, g_context.merchant.bytes.data(), 16);
    std::memcpy(e.card, g_context.card.bytes.data(), 16);
    std::memcpy(e.user, g_context.user.bytes.data(), 16);
    copy_text(e.rpc, sizeof e.rpc, std::strncmp(symbol, "mps_", 4) == 0 ? symbol + 4 : symbol);
    const char* code = catalog_code(message);
    copy_text(e.code, sizeof e.code, code ? code : sqlstate);
    copy_text(e.sqlstate, sizeof e.sqlstate, sqlstate);
    copy_text(e.role_name, sizeof e.role_name, g_context.role_name);

    SpinLockAcquire(&q->mutex);
    if (q->database != MyDatabaseId) {
        SpinLockRelease(&q->mutex);
        pg_atomic_fetch_add_u64(&q->not_collected, 1);
        return;
    }
    if (q->head - q->tail >= q->capacity) {
        SpinLockRelease(&q->mutex);
        pg_atomic_fetch_add_u64(&q->dropped, 1);
        return;
    }
    entries(q)[q->head % q->capacity] = e;
    ++q->head;
    // Counted under the lock, so that enqueued = queued + taken by the writer at every moment.
    pg_atomic_fetch_add_u64(&q->enqueued, 1);
    Latch* latch = q->writer_latch;
    SpinLockRelease(&q->mutex);
    // A latch of a writer that just exited is still a latch in shared memory: at worst a
    // wake-up nobody needed.
    if (latch) SetLatch(latch);
}

FailureLogStatus failure_log_status() {
    FailureLogStatus s;
    FailureQueue* q = g_queue;
    if (q == nullptr) {
        s.reason = "mps is not in shared_preload_libraries";
        return s;
    }
    SpinLockAcquire(&q->mutex);
    const uint64 queued = q->head - q->tail;
    const pid_t pid = q->writer_pid;
    const Oid database = q->database;
    s.paused = q->paused;
    SpinLockRelease(&q->mutex);
    s.database = std::string(failure_log_database ? failure_log_database : "");
    s.queue_capacity = int64_t(q->capacity);
    s.queued = int64_t(queued);
    s.enqueued = int64_t(pg_atomic_read_u64(&q->enqueued));
    s.written = int64_t(pg_atomic_read_u64(&q->written));
    s.dropped = int64_t(pg_atomic_read_u64(&q->dropped));
    s.write_errors = int64_t(pg_atomic_read_u64(&q->write_errors));
    s.not_collected = int64_t(pg_atomic_read_u64(&q->not_collected));
    if (pid != 0) s.writer_pid = int32_t(pid);
    if (OidIsValid(database) && database != MyDatabaseId)
        s.reason = "the writer serves database " + *s.database;
    else if (pid == 0)
        s.reason = "writer not running";
    else
        s.collecting = true;
    return s;
}

namespace failure_queue {

bool attach(Latch* latch, bool paused) noexcept {
    FailureQueue* q = g_queue;
    if (q == nullptr) return false;
    SpinLockAcquire(&q->mutex);
    q->writer_pid = MyProcPid;
    q->writer_latch = latch;
    q->database = MyDatabaseId;
    q->paused = paused;
    SpinLockRelease(&q->mutex);
    return true;
}

void detach() noexcept {
    FailureQueue* q = g_queue;
    if (q == nullptr) return;
    SpinLockAcquire(&q->mutex);
    if (q->writer_pid == MyProcPid) {
        q->writer_pid = 0;
        q->writer_latch = nullptr;
    }
    SpinLockRelease(&q->mutex);
}

void set_paused(bool paused) noexcept {
    FailureQueue* q = g_queue;
    SpinLockAcquire(&q->mutex);
    q->paused = paused;
    SpinLockRelease(&q->mutex);
}

int take(FailureEntry* out, int max) noexcept {
    FailureQueue* q = g_queue;
    int n = 0;
    // One entry per acquisition: the lock is held for one copy at a time.
    while (n < max) {
        SpinLockAcquire(&q->mutex);
        if (q->tail == q->head) {
            SpinLockRelease(&q->mutex);
            break;
        }
        out[n++] = entries(q)[q->tail % q->capacity];
        ++q->tail;
        SpinLockRelease(&q->mutex);
    }
    return n;
}

void count_written(uint64_t n) noexcept { pg_atomic_fetch_add_u64(&g_queue->written, n); }
void count_write_errors(uint64_t n) noexcept { pg_atomic_fetch_add_u64(&g_queue->write_errors, n); }

}  // namespace failure_queue

}  // namespace mps::pg
