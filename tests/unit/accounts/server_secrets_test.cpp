#include "accounts/server_secrets.hpp"

#include "accounts_fixture.hpp"

namespace cadenza::accounts {
namespace {

class ServerSecretsTest : public TempDatabaseTest {};

TEST_F(ServerSecretsTest, CreatesOnceThenReturnsTheSameBytes) {
    ServerSecrets secrets(db());
    std::string first = secrets.get_or_create(kSaslDecoySecret, 32);
    EXPECT_EQ(first.size(), 32u);
    EXPECT_NE(first, std::string(32, '\0'));
    EXPECT_EQ(secrets.get_or_create(kSaslDecoySecret, 32), first);
    // A stored secret keeps its length.
    EXPECT_EQ(secrets.get_or_create(kSaslDecoySecret, 16), first);
    // Other names get other secrets.
    std::string other = secrets.get_or_create("other", 32);
    EXPECT_EQ(other.size(), 32u);
    EXPECT_NE(other, first);
}

TEST_F(ServerSecretsTest, SecretsSurviveReopening) {
    std::string first = ServerSecrets(db()).get_or_create(kSaslDecoySecret, 32);
    open();
    EXPECT_EQ(ServerSecrets(db()).get_or_create(kSaslDecoySecret, 32), first);
    // A second connection (cadenzactl next to the server) agrees too.
    storage::Database other(file(), nullptr);
    EXPECT_EQ(ServerSecrets(other).get_or_create(kSaslDecoySecret, 32), first);
}

TEST_F(ServerSecretsTest, ANewDatabaseGetsANewSecret) {
    std::string first = ServerSecrets(db()).get_or_create(kSaslDecoySecret, 32);
    storage::Database fresh(dir_ + "/fresh.sqlite", nullptr);
    EXPECT_NE(ServerSecrets(fresh).get_or_create(kSaslDecoySecret, 32), first);
}

} // namespace
} // namespace cadenza::accounts
