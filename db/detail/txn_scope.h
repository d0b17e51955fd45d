// TxnScope: the transaction of one Store call. Outside a write group it is
// a transaction of its own (BEGIN IMMEDIATE for writes, BEGIN DEFERRED for
// reads; COMMIT on commit()). Inside a group (Store::BeginGroup) a write is
// a savepoint of the group's transaction, released into it on commit(), and
// a read needs nothing. Destroyed without commit() it rolls back its own
// writes only: a failed call inside a group leaves the group's other calls
// as they were.
#pragma once

#include "db/detail/sqlite_util.h"

namespace autotune::db_detail {

class TxnScope {
 public:
  enum class Kind { kWrite, kRead };
  // Its statements come (prepared once) from the connection's cache.
  TxnScope(StatementCache& stmts, Kind kind, bool in_group);
  ~TxnScope();
  TxnScope(const TxnScope&) = delete;
  TxnScope& operator=(const TxnScope&) = delete;

  void commit();

 private:
  enum class Mode { kNone, kTransaction, kSavepoint };
  void Run(const char* sql);
  StatementCache& stmts_;
  Mode mode_;
  bool open_ = false;
};

}  // namespace autotune::db_detail
