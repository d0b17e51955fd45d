#include "db/detail/txn_scope.h"

namespace autotune::db_detail {

TxnScope::TxnScope(StatementCache& stmts, Kind kind, bool in_group)
    : stmts_(stmts),
      mode_(in_group ? (kind == Kind::kWrite ? Mode::kSavepoint : Mode::kNone) : Mode::kTransaction) {
  switch (mode_) {
    case Mode::kNone:
      return;
    case Mode::kTransaction:
      Run(kind == Kind::kWrite ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
      break;
    case Mode::kSavepoint:
      Run("SAVEPOINT store_call");
      break;
  }
  open_ = true;
}

TxnScope::~TxnScope() {
  if (!open_) return;
  try {
    if (mode_ == Mode::kTransaction) {
      Run("ROLLBACK");
    } else {
      Run("ROLLBACK TO store_call");
      Run("RELEASE store_call");
    }
  } catch (...) {  // the connection is failing already; the caller reports that
  }
}

void TxnScope::Run(const char* sql) {
  auto q = stmts_.Get(sql);
  q->exec();
}

void TxnScope::commit() {
  if (!open_) return;
  Run(mode_ == Mode::kTransaction ? "COMMIT" : "RELEASE store_call");
  open_ = false;
}

}  // namespace autotune::db_detail
