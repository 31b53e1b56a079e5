// Commands: the client command layer. Maps one parsed RESP2 command to a
// reply through the Replica, without touching sockets, so it is tested
// without a network.
//
// Commands (names case-insensitive; CL is ANY|ONE|TWO|QUORUM|ALL):
//   PING [msg]            +PONG, or msg as a bulk string
//   GET key               bulk value, or nil when missing or deleted
//   SET key value         +OK
//   DEL key               :1 (writes a tombstone; one key only)
//   FL.GET key [CL] [PRIMARY]       *3: value or nil, version [:ts, :coordinator] or
//                                   *-1 when nothing is stored, :1 tombstone / :0
//   FL.SET key value [CL] [PRIMARY] *2: [:ts, :coordinator], the version written
//   FL.DEL key [CL] [PRIMARY]       *2: the tombstone's version
//   (PRIMARY: sloppy-quorum fallbacks do not count toward the CL, Riak's PR/PW)
//   FL.STATUS             bulk JSON (core/node_status.h): peers up/down, hints, AE rounds
//   FL.DUMP               bulk JSON: node_dump_to_json of every record and pending hint
//   FL.HINTS, FL.MERKLE   bulk JSON: pending hints; Merkle roots per range (AE on)
//   FL.REPAIR             :N, the anti-entropy round it starts (-ERR when AE is off)
//   FL.FAULT DISK ERROR|OK  +OK: the record store refuses writes (an I/O
//                         error) from ERROR until OK (node/faulty_store.h);
//                         -ERR unless the config enables fault_hooks
// GET/SET/DEL use the configured default consistency levels. Each command is
// one row of kCommands (name, arity, key and value limits, handler).
//
// Errors: "-ERR ..." worded as redis-server words them (unknown command,
// wrong number of arguments, protocol error, bad consistency level; a key or
// value over config.limits: "-ERR value is N bytes, above
// limits.value_bytes_max (M)");
// "-UNAVAILABLE <detail>": certainly not applied; "-TIMEOUT <detail>":
// outcome unknown.
//
// Thread-safety: none; runs on the node's event loop. The reply callback runs
// on it too, possibly before execute() returns.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/resp.h"
#include "node/faulty_store.h"
#include "node/replica.h"

namespace faultline {

class Commands {
 public:
  using Reply = std::function<void(RespValue)>;

  // All must outlive this. The store is read directly for FL.STATUS/FL.DUMP.
  // `disk` is the store's fault hook (null: fault hooks off, FL.FAULT
  // answers -ERR).
  Commands(Replica* replica, Store* store, FaultyStore* disk = nullptr)
      : replica_(replica), store_(store), disk_(disk) {}

  // Runs `command`; `done` gets exactly one reply, now or later. An empty
  // command array gets no reply at all (as with redis-server): execute then
  // returns false and never calls done.
  bool execute(const RespValue& command, Reply done);

  // "-UNAVAILABLE ..." / "-TIMEOUT ..." / "-ERR ..." for a failed request.
  static RespValue error_reply(const Status& s);

 private:
  using Args = std::vector<std::string>;
  using Handler = void (Commands::*)(const Args& a, const Reply& done);

  // One row per command (kCommands in commands.cpp): execute() checks the
  // arity and the key and value limits a row states, then runs its handler.
  // Adding a command is adding a row and its handler.
  struct Command {
    const char* name;
    size_t args_min;  // including the command name
    size_t args_max;
    bool key;                // a[1] is a key: limits.key_bytes_max applies
    bool value;              // a[2] is a value: limits.value_bytes_max applies
    const char* extra_args;  // the error for more than args_max arguments; null: the arity error
    Handler run;
  };
  static const Command kCommands[];

  // Parses the command into *a; false (with done called) when malformed.
  bool arguments(const RespValue& command, const Reply& done, Args* a);
  // The row's arity and limits; false (with done called) when violated.
  bool admissible(const Command& c, const Args& a, const Reply& done);

  void ping(const Args& a, const Reply& done);
  void get(const Args& a, const Reply& done);
  void set(const Args& a, const Reply& done);
  void del(const Args& a, const Reply& done);
  void fl_get(const Args& a, const Reply& done);
  void fl_set(const Args& a, const Reply& done);
  void fl_del(const Args& a, const Reply& done);
  void fl_write(const Args& a, bool tombstone, const Reply& done);
  void fl_status(const Args& a, const Reply& done);
  void fl_dump(const Args& a, const Reply& done);
  void fl_hints(const Args& a, const Reply& done);
  void fl_merkle(const Args& a, const Reply& done);
  void fl_repair(const Args& a, const Reply& done);
  void fl_fault(const Args& a, const Reply& done);

  Replica* replica_;   // not owned
  Store* store_;       // not owned
  FaultyStore* disk_;  // not owned; null when fault hooks are off
};

}  // namespace faultline
