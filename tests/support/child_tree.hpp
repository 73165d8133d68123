// tests/support/child_tree.hpp — a tree held open by a child process, for the
// tests of the LOCK that excludes other processes: the child opens the tree,
// puts "from" = "child", and keeps it open until release().
//
// Thread safety: one object per test, used from the thread that made it.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <system_error>

#include <lsm/lsm.hpp>

namespace lsm_test {

class child_tree {
 public:
  /// Forks; returns once the child has the tree in `dir` open (opened()
  /// true) or failed to open it (opened() false).
  explicit child_tree(const std::string& dir) {
    if (::pipe(opened_pipe_) != 0 || ::pipe(release_pipe_) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {  // holds the tree open until the parent writes a byte
      int code = 0;
      {
        std::error_code ec;
        lsm::tree<std::string, std::string> db(dir, {}, ec);
        if (ec) code = 1;
        if (!ec) db.put("from", "child", ec);
        char c = code ? 'f' : 'o';
        if (::write(opened_pipe_[1], &c, 1) != 1) code = 1;
        if (::read(release_pipe_[0], &c, 1) != 1) code = 1;
      }
      ::_exit(code);
    }
    char c = 0;
    opened_ = pid_ > 0 && ::read(opened_pipe_[0], &c, 1) == 1 && c == 'o';
  }
  child_tree(const child_tree&) = delete;
  child_tree& operator=(const child_tree&) = delete;
  ~child_tree() { release(); }

  bool opened() const { return opened_; }

  /// Lets the child close the tree and exit; true when it exited with 0.
  /// Later calls return the first answer.
  bool release() {
    if (pid_ > 0 && !released_) {
      released_ = true;
      char c = 'x';
      int status = 0;
      exited_ok_ = ::write(release_pipe_[1], &c, 1) == 1 && ::waitpid(pid_, &status, 0) == pid_ &&
                   WIFEXITED(status) && WEXITSTATUS(status) == 0;
      for (int fd : {opened_pipe_[0], opened_pipe_[1], release_pipe_[0], release_pipe_[1]})
        ::close(fd);
    }
    return exited_ok_;
  }

 private:
  int opened_pipe_[2] = {-1, -1};
  int release_pipe_[2] = {-1, -1};
  pid_t pid_ = -1;
  bool opened_ = false;
  bool released_ = false;
  bool exited_ok_ = false;
};

}  // namespace lsm_test
